// A session's frames as Chainlit's socket.io events: the FrameSink of one Chainlit connection. Asks go out as
// socket.io calls with an acknowledgement, whose answer comes back to the session as an ask_reply.
import { decodeAudioOutput } from "../../protocol/binary.ts";
import type { OutgoingFrame, OutgoingOf, ServerFrame, ServerFrameOf } from "../../protocol/server.ts";
import type { SessionCommand } from "../../session/commands.ts";
import type { FrameSink } from "../../session/sink.ts";
import { ChainlitFavorites } from "./favorites.ts";
import {
  chainlitAction,
  chainlitElement,
  chainlitSettings,
  fileIds,
  messageStep,
  type StepDict,
  stepStep,
  threadDict,
} from "./steps.ts";

/** What the sink needs of a socket.io socket. */
export interface ChainlitSocket {
  emit(event: string, ...args: unknown[]): unknown;
  timeout(ms: number): {
    emit(event: string, payload: unknown, ack: (error: unknown, answer: unknown) => void): unknown;
  };
  disconnect(close?: boolean): unknown;
}

/** The answer an ask's acknowledgement carries: a StepDict (text), or the Action pressed (action). */
type AskAnswer = { output?: unknown; id?: unknown } | null | undefined;

/** One Chainlit connection, as its session writes to it. */
export class ChainlitSink implements FrameSink {
  readonly #socket: ChainlitSocket;
  readonly #threadId: string;
  readonly #receive: (command: SessionCommand) => void;
  /** Streaming messages by id: the final update_message sends the whole StepDict again. */
  readonly #streaming = new Map<string, StepDict>();
  readonly #steps = new Set<string>();
  /** Each output track's format, from its `audio_output` frame. */
  readonly #trackFormats = new Map<string, string>();
  readonly favorites = new ChainlitFavorites();
  /** The last session frame emitted: a reconnecting client of the same session resumes after it. */
  lastSeq = 0;
  readonly bufferedAmount = 0;

  constructor(socket: ChainlitSocket, threadId: string, receive: (command: SessionCommand) => void) {
    this.#socket = socket;
    this.#threadId = threadId;
    this.#receive = receive;
  }

  send(text: string): void {
    const frame = JSON.parse(text) as ServerFrame;
    if (frame.seq > 0) this.lastSeq = frame.seq;
    this.#emit(frame as OutgoingFrame | ServerFrameOf<"welcome"> | ServerFrameOf<"shutdown">);
  }

  /** Output audio as Chainlit's `audio_chunk` (OutputAudioChunk), in the format its track was announced with. */
  sendBinary(bytes: Uint8Array): void {
    const { track, data } = decodeAudioOutput(bytes);
    const mimeType = this.#trackFormats.get(track) ?? "pcm16";
    this.#socket.emit("audio_chunk", { track, mimeType, data: Buffer.from(data) });
  }

  onDrain(listener: () => void): void {
    setImmediate(listener);
  }

  close(): void {
    this.#socket.disconnect(true);
  }

  #emit(frame: OutgoingFrame | ServerFrameOf<"welcome"> | ServerFrameOf<"shutdown">): void {
    const socket = this.#socket;
    const threadId = this.#threadId;
    switch (frame.type) {
      case "message_new":
      case "message_update": {
        socket.emit(
          frame.type === "message_new" ? "new_message" : "update_message",
          messageStep(threadId, frame.message),
        );
        for (const action of frame.message.actions) socket.emit("action", chainlitAction(action));
        for (const element of frame.message.elements ?? []) {
          socket.emit("element", chainlitElement(threadId, frame.message.id, element));
        }
        return;
      }
      case "message_delete":
        socket.emit("delete_message", { id: frame.id, threadId });
        return;
      case "stream_start": {
        const step = messageStep(threadId, frame.message, true);
        this.#streaming.set(step.id, step);
        socket.emit("stream_start", step);
        return;
      }
      case "stream_token":
        socket.emit("stream_token", {
          id: frame.id,
          token: frame.token,
          isSequence: frame.replace === true,
          isInput: false,
        });
        return;
      case "step_token": // Chainlit's client finds steps and messages by id alike
        socket.emit("stream_token", {
          id: frame.id,
          token: frame.token,
          isSequence: frame.replace === true,
          isInput: frame.input === true,
        });
        return;
      case "stream_end": {
        const step = this.#streaming.get(frame.id);
        this.#streaming.delete(frame.id);
        if (step !== undefined) socket.emit("update_message", { ...step, output: frame.content, streaming: false });
        return;
      }
      case "step": {
        const event = this.#steps.has(frame.step.id) ? "update_message" : "new_message";
        if (frame.step.end === undefined) this.#steps.add(frame.step.id);
        else this.#steps.delete(frame.step.id);
        socket.emit(event, stepStep(threadId, frame.step));
        return;
      }
      case "task_start":
      case "task_end":
        socket.emit(frame.type, {});
        return;
      case "ask":
        this.#ask(frame);
        return;
      case "ask_end":
        socket.emit(frame.outcome === "timeout" ? "ask_timeout" : "clear_ask", {});
        return;
      case "window_message":
        socket.emit("window_message", frame.data);
        return;
      case "audio_state":
        socket.emit("audio_connection", frame.connected ? "on" : "off");
        return;
      case "thread_history":
        socket.emit("first_interaction", { interaction: "resume", thread_id: frame.threadId });
        socket.emit("resume_thread", threadDict(frame.threadId, frame.name, frame.steps));
        return;
      case "favorites":
        this.favorites.answer(frame, (event, payload) => socket.emit(event, payload));
        return;
      case "error":
        if (frame.replyTo !== undefined) this.favorites.refused(frame.replyTo);
        socket.emit("toast", { message: `${frame.code}: ${frame.message}`, type: "error" });
        return;
      case "chat_settings":
        socket.emit("chat_settings", chainlitSettings(frame.inputs, frame.values));
        return;
      case "commands":
        socket.emit("set_commands", frame.commands);
        return;
      case "modes":
        socket.emit("set_modes", frame.modes);
        return;
      case "toast":
        socket.emit("toast", { message: frame.message, type: frame.level });
        return;
      case "usage": // Chainlit's UI shows no token counts
        return;
      case "notice": // a reload under `chatwire run --watch`: Chainlit's UI shows it as a toast
        socket.emit("toast", { message: frame.message, type: frame.code === "APP_RELOADED" ? "info" : "error" });
        return;
      case "element":
        socket.emit("element", chainlitElement(threadId, frame.forId ?? "", frame.element));
        return;
      case "remove_elements":
        for (const id of frame.ids) socket.emit("remove_element", { id });
        return;
      case "sidebar":
        socket.emit("set_sidebar_title", frame.title ?? "");
        socket.emit("set_sidebar_elements", {
          elements: frame.elements.map((element) => chainlitElement(threadId, "", element)),
        });
        return;
      case "audio_output":
        this.#trackFormats.set(frame.track, frame.mimeType);
        return;
      case "audio_interrupt":
        socket.emit("audio_interrupt", {});
        return;
      case "follow": // another tab's turn on this thread: Chainlit's client renders it as its own
        this.#emit(frame.frame);
        return;
      case "message_steered": // Chainlit has no steering: its UI shows the message as sent, the answer follows
      case "audio_dropped": // a gap in playback: Chainlit has no event for it
      case "starters": // Chainlit's client reads starters from GET /project/settings
      case "feedback_saved":
      case "welcome":
      case "shutdown":
      case "mcp_connected": // Chainlit's client adds MCP servers over HTTP routes chatwire does not serve
      case "mcp_disconnected":
        return;
      default:
        frame satisfies never;
    }
  }

  /** Chainlit's ask: a call the client acknowledges with its answer. The session's own timeout still holds. */
  #ask(frame: OutgoingOf<"ask">): void {
    const { askId, kind, message, timeoutMs } = frame;
    const msg = messageStep(this.#threadId, message);
    for (const action of message.actions) this.#socket.emit("action", chainlitAction(action));
    // `keys`: the actions that answer an action ask (Chainlit's client disables the other buttons).
    const spec = {
      type: kind,
      timeout: Math.ceil(timeoutMs / 1000),
      step_id: message.id,
      ...(kind === "action" ? { keys: message.actions.map((action) => action.id) } : {}),
      ...(frame.files === undefined
        ? {}
        : {
            accept: frame.files.accept,
            max_files: frame.files.maxFiles,
            max_size_mb: Math.max(1, Math.floor(frame.files.maxSizeBytes / 1_000_000)),
          }),
    };
    this.#socket.timeout(timeoutMs).emit("ask", { msg, spec }, (error, answer: unknown) => {
      if (error) return;
      const reply = answer as AskAnswer;
      if (kind === "text" && typeof reply?.output === "string") {
        this.#receive({ type: "ask_reply", askId, content: reply.output });
      } else if (kind === "action" && typeof reply?.id === "string") {
        this.#receive({ type: "ask_reply", askId, actionId: reply.id });
      } else if (kind === "file" && Array.isArray(answer)) {
        this.#receive({ type: "ask_reply", askId, files: fileIds(answer) });
      }
    });
  }
}
