// The conversation's messages so far, for `ctx.history()` (Chainlit's chat_context) and message edits: the user's
// messages and what the app sent, kept as the frames go out, so the app keeps no copy of its own. Steps are kept in
// order too (an edit removes what came after), but are not history. Bounded: the oldest go first.
import type { HistoryMessage } from "../hooks/payloads.ts";
import type { OutgoingFrame } from "../protocol/server.ts";

type Entry = { -readonly [K in keyof HistoryMessage]: HistoryMessage[K] } & { step?: true; clientId?: string };

/** One session's transcript. */
export class Transcript {
  #entries = new Map<string, Entry>();
  /** User messages of this session by the client's id, which is all a client knows them by. */
  readonly #byClientId = new Map<string, string>();

  readonly limit: number;

  constructor(limit = 1000) {
    this.limit = limit;
  }

  /** Starts from a reopened thread's stored messages. */
  seed(messages: readonly HistoryMessage[]): void {
    for (const message of messages) this.#put({ ...message });
  }

  /** A user message, when its turn comes (the order handlers see it in). */
  user(message: HistoryMessage, clientId: string): void {
    this.#put({ ...message, clientId });
    this.#byClientId.set(clientId, message.id);
  }

  /** A user message by its server id or the client's id. */
  userMessage(id: string): HistoryMessage | undefined {
    const entry = this.#entries.get(id) ?? this.#entries.get(this.#byClientId.get(id) ?? "");
    if (entry === undefined || entry.role !== "user" || entry.step) return undefined;
    const { clientId: _clientId, step: _step, ...message } = entry;
    return message;
  }

  /** The ids of every message and step after `id`, in order. */
  after(id: string): string[] {
    const ids = [...this.#entries.keys()];
    const at = ids.indexOf(id);
    return at < 0 ? [] : ids.slice(at + 1);
  }

  /** Whether a message or step with this id is in the transcript. */
  has(id: string): boolean {
    return this.#entries.has(id);
  }

  /** Changes a user message's content (an edit). */
  edit(id: string, content: string): void {
    const entry = this.#entries.get(id);
    if (entry !== undefined) entry.content = content;
  }

  /** Follows an outgoing frame: new, updated, streamed and deleted messages; steps. */
  record(frame: OutgoingFrame): void {
    switch (frame.type) {
      case "message_new":
      case "message_update":
      case "stream_start":
      case "ask": {
        const { id, role, author, content, createdAt } = frame.message;
        const known = this.#entries.get(id);
        if (known === undefined) this.#put({ id, role, author, content, createdAt });
        else Object.assign(known, { role, author, content });
        return;
      }
      case "stream_token": {
        const known = this.#entries.get(frame.id);
        if (known !== undefined) known.content = frame.replace === true ? frame.token : known.content + frame.token;
        return;
      }
      case "stream_end": {
        const known = this.#entries.get(frame.id);
        if (known !== undefined) known.content = frame.content;
        return;
      }
      case "step": {
        const { id, name, start } = frame.step;
        if (!this.#entries.has(id))
          this.#put({ id, role: "assistant", author: name, content: "", createdAt: start, step: true });
        return;
      }
      case "message_delete": {
        const clientId = this.#entries.get(frame.id)?.clientId;
        if (clientId !== undefined) this.#byClientId.delete(clientId);
        this.#entries.delete(frame.id);
        return;
      }
      default:
        return;
    }
  }

  /** The messages in order, as copies (the caller may keep them). */
  messages(): HistoryMessage[] {
    const messages: HistoryMessage[] = [];
    for (const { step, clientId: _clientId, ...message } of this.#entries.values()) if (!step) messages.push(message);
    return messages;
  }

  #put(entry: Entry): void {
    this.#entries.set(entry.id, entry);
    if (this.#entries.size > this.limit) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) return;
      const clientId = this.#entries.get(oldest)?.clientId;
      if (clientId !== undefined) this.#byClientId.delete(clientId);
      this.#entries.delete(oldest);
      // A Map keeps deleted entries until it grows, and keys() walks past each of them: with up to `limit` of them
      // at the front, finding the oldest cost ~2% of a round trip. Copied afresh every 64 evictions (same order).
      if (++this.#evicted >= 64) {
        this.#evicted = 0;
        this.#entries = new Map(this.#entries);
      }
    }
  }

  #evicted = 0;
}
