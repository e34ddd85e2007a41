// The answers a task is streaming, as the client has seen them: when the task is cut (stop, interrupt, timeout,
// shutdown, failure), each still-open stream ends with what was streamed so far and why, so the partial answer is
// kept (shown and stored) instead of being left open or lost.
import type { AbortKind, TaskAborted } from "../context/abort.ts";
import type { OutgoingFrame } from "../protocol/server.ts";
import type { StopReason } from "../protocol/views.ts";

/** The stored reason of an answer cut by an abort of `kind`. */
export const stopReasonOf = (kind: AbortKind): StopReason => {
  switch (kind) {
    case "stop":
      return "user";
    case "superseded":
    case "timeout":
    case "shutdown":
    case "disconnect":
      return kind;
    case "taken_over":
      return "node_lost";
    default:
      return kind satisfies never;
  }
};

/** A stop, a timeout or an interrupt silences the task: its later sends are refused and its streams cut at once. A
 * session that ends keeps its own rule (SESSION_CLOSED once closed). */
export const refusesSends = (reason: TaskAborted): boolean =>
  reason.kind === "stop" || reason.kind === "timeout" || reason.kind === "superseded";

/** One task's open streams: fed every frame the task sent, in order; content as sent (a refused token is not). */
export class OpenStreams {
  /** Each open stream's content, in a box changed in place: a token costs a lookup, not a lookup and a set. */
  readonly #content = new Map<string, { content: string }>();

  /** Notes a frame the task has sent. */
  observe(frame: OutgoingFrame): void {
    switch (frame.type) {
      case "stream_start":
        this.#content.set(frame.message.id, { content: frame.message.content });
        return;
      case "stream_token": {
        const open = this.#content.get(frame.id);
        if (open !== undefined) open.content = frame.replace === true ? frame.token : open.content + frame.token;
        return;
      }
      case "message_update": {
        const open = this.#content.get(frame.message.id);
        if (open !== undefined) open.content = frame.message.content;
        return;
      }
      case "stream_end":
      case "message_delete":
        this.#content.delete(frame.id);
        return;
      default:
        return;
    }
  }

  /** The ids of the open streams. */
  ids(): string[] {
    return [...this.#content.keys()];
  }

  /** The stream_end of every open stream, cut for `reason`; the streams are closed once this is called. */
  cut(reason: StopReason): OutgoingFrame[] {
    const ends = [...this.#content].map(
      ([id, { content }]): OutgoingFrame => ({ type: "stream_end", id, content, stopped: reason }),
    );
    this.#content.clear();
    return ends;
  }
}
