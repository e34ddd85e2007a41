// The commands a live session handles: one switch over every command, each handed to the part it is about.
// `satisfies never` makes tsc fail on a command nothing handles.
import { ChatwireError } from "../errors.ts";
import { pressedAction } from "./actions.ts";
import { askReply } from "./ask-reply.ts";
import type { SessionCommand } from "./commands.ts";
import { receiveFavorite } from "./favorites.ts";
import { receiveFeedback } from "./feedback.ts";
import type { LiveParts } from "./live-parts.ts";
import { editMessage } from "./message-edit.ts";
import { updateSettings } from "./settings-update.ts";
import { userMessage } from "./user-messages.ts";

/** The client's id for a command, which errors about it carry as `replyTo`: an ask reply is known by its ask. */
export function replyToOf(command: SessionCommand): string | undefined {
  if (command.type === "ask_reply") return command.askId;
  return "id" in command ? command.id : undefined;
}

/** About how many bytes `data` took on the wire; JSON too deep to serialise again counts as a full 1 MiB frame. */
function jsonBytes(data: unknown): number {
  try {
    return JSON.stringify(data ?? null).length;
  } catch {
    return 1024 * 1024;
  }
}

/** Does what `command` asks of `session`; throws (a ChatwireError with its code) when it cannot be done. */
export function receiveCommand<S extends object>(session: LiveParts<S>, command: SessionCommand): void {
  switch (command.type) {
    case "user_message":
      checkMessageBytes(session, command.content);
      if (command.command !== undefined) session.commands.check(command.command);
      userMessage(
        session,
        command.id,
        command.content,
        command.command,
        session.modes.choices(command.modes),
        command.files ?? [],
      );
      return;
    case "action_call": {
      const { action, callback } = pressedAction(session.actions, session.hooks.actions, command.actionId);
      session.tasks.run(`actionCallback("${action.name}")`, command.id, (ctx) => callback(ctx, action));
      return;
    }
    case "ask_reply":
      askReply(session, command);
      return;
    case "stop": {
      session.tasks.abort("stop");
      const onStop = session.hooks.onStop;
      if (onStop !== undefined) session.events.runAside("onStop", (ctx) => onStop(ctx));
      return;
    }
    case "feedback": {
      const { events, ids, link, hooks } = session;
      receiveFeedback({ host: session, events, ids, link, onFeedback: hooks.onFeedback }, command);
      return;
    }
    case "window_message": {
      const { data } = command;
      const bytes = jsonBytes(data);
      session.events.run("onWindowMessage", command.id, (ctx) => session.hooks.onWindowMessage?.(ctx, data), bytes);
      return;
    }
    case "audio_start":
      // Barge-in at arrival, not on the event lane: a speech loop holding the lane must learn now.
      session.audioInput().start(command, session.output.bargeIn());
      return;
    case "audio_chunk":
      session.audioInput().chunk(command);
      return;
    case "audio_end":
      session.audioInput().end(command);
      return;
    case "ack":
      session.outbox.ack(command.seq);
      return;
    case "settings_update":
      updateSettings(session, command.values, command.id);
      return;
    case "edit_message":
      checkMessageBytes(session, command.content);
      editMessage(session, command.id, command.messageId, command.content);
      return;
    case "mcp_connect":
      session.mcpDesk().connect(command);
      return;
    case "mcp_disconnect":
      session.mcpDesk().disconnect(command);
      return;
    case "favorite":
      receiveFavorite(session.favorites, command);
      return;
    default:
      throw new ChatwireError("UNKNOWN_FRAME", `no command ${JSON.stringify(command satisfies never)}`);
  }
}

/** Throws MESSAGE_TOO_LARGE for a user message's content over maxMessageBytes (UTF-8); nothing of it runs. */
function checkMessageBytes<S extends object>(session: LiveParts<S>, content: string): void {
  const max = session.limits.maxMessageBytes;
  // UTF-8 takes at most 3 bytes per UTF-16 unit: count bytes only when the length alone cannot decide.
  if (content.length * 3 <= max || Buffer.byteLength(content) <= max) return;
  throw new ChatwireError("MESSAGE_TOO_LARGE", `a message's content is limited to ${max} bytes (maxMessageBytes)`);
}
