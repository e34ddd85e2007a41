// Frame -> hook. One switch over every client frame type; `satisfies never` makes tsc fail on a frame nobody handles.
import { createHash } from "node:crypto";
import { ChatwireError } from "../errors.ts";
import type { InputAudioChunk } from "../hooks/payloads.ts";
import type { BinaryAudioChunk } from "../protocol/binary.ts";
import type { ClientFrame } from "../protocol/client.ts";
import type { Session } from "../session/session.ts";

/** Hands one validated frame to the session. Errors about the frame become error frames; nothing here throws. */
export function dispatch<S extends object>(session: Session<S>, frame: ClientFrame): void {
  try {
    route(session, frame);
  } catch (error) {
    session.fail(frame.type, error, idOf(frame), undefined);
  }
}

/** The client's id for a frame, which errors about it carry as `replyTo`: an ask reply is known by its ask. */
function idOf(frame: ClientFrame): string | undefined {
  if (frame.type === "ask_reply") return frame.askId;
  return "id" in frame ? frame.id : undefined;
}

function route<S extends object>(session: Session<S>, frame: ClientFrame): void {
  const hooks = session.hooks;
  switch (frame.type) {
    case "hello":
      throw new ChatwireError("ALREADY_HELLO", "hello was already received on this connection");
    case "user_message": {
      // Stored under the server's own id: a client's ids are only unique to that client, and the steps of every
      // thread share one key space.
      const message = {
        id: session.ids.next(),
        clientId: frame.id,
        content: frame.content,
        createdAt: new Date().toISOString(),
      };
      session.runTask("onMessage", frame.id, (ctx) => {
        // Stored when its turn comes (not on arrival), so the stored order is the conversation's order and a
        // flood of queued messages cannot outgrow the recorder's queue.
        const user = session.context.user;
        session.link?.recordUserMessage({ ...message, author: user?.displayName ?? user?.identifier ?? "User" });
        return hooks.onMessage?.(ctx, message);
      });
      return;
    }
    case "action_call": {
      const action = session.context.actions.get(frame.actionId);
      const callback = action === undefined ? undefined : hooks.actions.get(action.name);
      if (action === undefined || callback === undefined) {
        const what =
          action === undefined ? `no live action with id ${frame.actionId}` : `no actionCallback for "${action.name}"`;
        throw new ChatwireError("UNKNOWN_ACTION", what);
      }
      session.runTask(`actionCallback("${action.name}")`, frame.id, (ctx) => callback(ctx, action));
      return;
    }
    case "feedback": {
      // Only this conversation's messages: an id from someone else's thread must not reach their stored steps.
      if (!session.hasMessage(frame.messageId)) {
        throw new ChatwireError("UNKNOWN_MESSAGE", `no message with id ${frame.messageId} in this conversation`);
      }
      const feedbackId = feedbackIdOf(frame.messageId);
      const { value } = frame;
      if (value === null) {
        session.link?.deleteFeedback(frame.messageId);
        session.runEvent("feedback", frame.id, () => acknowledge(session, frame.id, feedbackId));
        return;
      }
      const feedback = { id: feedbackId, messageId: frame.messageId, value, comment: frame.comment };
      session.link?.recordFeedback(feedback);
      session.runEvent("onFeedback", frame.id, async (ctx) => {
        try {
          await hooks.onFeedback?.(ctx, feedback);
        } finally {
          await acknowledge(session, frame.id, feedbackId);
        }
      });
      return;
    }
    case "stop":
      session.stop();
      return;
    case "window_message":
      session.runEvent("onWindowMessage", frame.id, (ctx) => hooks.onWindowMessage?.(ctx, frame.data));
      return;
    case "audio_start":
      session.runEvent("onAudioStart", frame.id, async (ctx) => {
        session.audio = { mimeType: frame.mimeType, chunks: 0, bytes: 0 };
        const accepted = (await hooks.onAudioStart?.(ctx, { mimeType: frame.mimeType })) !== false;
        if (!accepted) session.audio = undefined;
        session.emit({ type: "audio_state", connected: accepted });
      });
      return;
    case "audio_chunk":
      dispatchAudioChunk(session, { elapsedTime: frame.elapsedTime, data: Buffer.from(frame.data, "base64") });
      return;
    case "audio_end":
      session.runEvent("onAudioEnd", frame.id, async (ctx) => {
        if (session.audio === undefined) throw new ChatwireError("AUDIO_NOT_STARTED", "audio_end without audio_start");
        session.audio = undefined;
        session.emit({ type: "audio_state", connected: false });
        await hooks.onAudioEnd?.(ctx);
      });
      return;
    case "ask_reply":
      session.context.asks.answer(frame);
      return;
    case "ack":
      session.outbox.ack(frame.seq);
      return;
    default: {
      const unhandled: never = frame; // tsc fails here when a client frame type has no case above
      throw new ChatwireError("UNKNOWN_FRAME", `no dispatch for ${JSON.stringify(unhandled)}`);
    }
  }
}

/**
 * The id of the feedback on a message: derived from the message id, so it is the same in every session, on every
 * node and after a resume (a message has one feedback at most).
 * @example feedbackIdOf("Uakgb_J5m9g-0JDMbcJqL") // "fb_…", 24 characters
 */
export const feedbackIdOf = (messageId: string): string =>
  `fb_${createHash("sha256").update(messageId).digest("base64url").slice(0, 21)}`;

/**
 * Answers a feedback frame once what it changed is stored: `feedback_saved` after the thread's writes are
 * committed (so a crash right after loses nothing), `PERSISTENCE_FAILED` if one of them was lost.
 */
async function acknowledge<S extends object>(session: Session<S>, replyTo: string, feedbackId: string) {
  try {
    await session.link?.flush();
  } catch (error) {
    session.log.error({ err: error, sessionId: session.id }, "feedback not persisted");
    session.emitError("PERSISTENCE_FAILED", "this feedback could not be saved", replyTo);
    return;
  }
  await session.emit({ type: "feedback_saved", replyTo, feedbackId });
}

/** Queues one audio chunk (from a binary or a JSON frame) for `onAudioChunk`, in arrival order. */
export function dispatchAudioChunk<S extends object>(session: Session<S>, chunk: BinaryAudioChunk): void {
  session.runEvent("onAudioChunk", undefined, async (ctx) => {
    const audio = session.audio;
    if (audio === undefined) throw new ChatwireError("AUDIO_NOT_STARTED", "audio chunk without audio_start");
    audio.bytes += chunk.data.byteLength;
    if (audio.bytes > session.limits.maxAudioBytes) {
      session.audio = undefined;
      session.emit({ type: "audio_state", connected: false });
      throw new ChatwireError("AUDIO_TOO_LARGE", `a recording is limited to ${session.limits.maxAudioBytes} bytes`);
    }
    const input: InputAudioChunk = {
      isStart: audio.chunks++ === 0,
      mimeType: audio.mimeType,
      elapsedTime: chunk.elapsedTime,
      data: chunk.data,
    };
    await session.hooks.onAudioChunk?.(ctx, input);
  });
}
