// The conversation's messages so far, for `ctx.history()` (Chainlit's chat_context): the user's messages and what
// the app sent, kept as the frames go out, so the app keeps no copy of its own. Bounded: the oldest go first.
import type { HistoryMessage } from "../hooks/payloads.ts";
import type { OutgoingFrame } from "../protocol/server.ts";

type Entry = { -readonly [K in keyof HistoryMessage]: HistoryMessage[K] };

/** One session's transcript. */
export class Transcript {
  readonly #messages = new Map<string, Entry>();

  constructor(readonly limit = 1000) {}

  /** Starts from a reopened thread's stored messages. */
  seed(messages: readonly HistoryMessage[]): void {
    for (const message of messages) this.#put({ ...message });
  }

  /** A user message, when its turn comes (the order handlers see it in). */
  user(message: HistoryMessage): void {
    this.#put({ ...message });
  }

  /** Follows an outgoing frame: new, updated, streamed and deleted messages. */
  record(frame: OutgoingFrame): void {
    switch (frame.type) {
      case "message_new":
      case "message_update":
      case "stream_start":
      case "ask": {
        const { id, role, author, content, createdAt } = frame.message;
        const known = this.#messages.get(id);
        if (known === undefined) this.#put({ id, role, author, content, createdAt });
        else Object.assign(known, { role, author, content });
        return;
      }
      case "stream_token": {
        const known = this.#messages.get(frame.id);
        if (known !== undefined) known.content += frame.token;
        return;
      }
      case "stream_end": {
        const known = this.#messages.get(frame.id);
        if (known !== undefined) known.content = frame.content;
        return;
      }
      case "message_delete":
        this.#messages.delete(frame.id);
        return;
      default:
        return;
    }
  }

  /** The messages in order, as copies (the caller may keep them). */
  messages(): HistoryMessage[] {
    return [...this.#messages.values()].map((message) => ({ ...message }));
  }

  #put(message: Entry): void {
    this.#messages.set(message.id, message);
    if (this.#messages.size > this.limit) {
      const oldest = this.#messages.keys().next().value;
      if (oldest !== undefined) this.#messages.delete(oldest);
    }
  }
}
