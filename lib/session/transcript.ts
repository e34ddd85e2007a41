// The conversation's messages so far, for `ctx.history()` (Chainlit's chat_context) and message edits: the user's
// messages and what the app sent, kept as the frames go out, so the app keeps no copy of its own. Steps are kept in
// order too (an edit removes what came after), but are not history. Bounded: the oldest go first.
import type { HistoryMessage } from "../hooks/payloads.ts";
import type { OutgoingFrame } from "../protocol/server.ts";

type Entry = { -readonly [K in keyof HistoryMessage]: HistoryMessage[K] } & { step?: true };

/** One session's transcript. */
export class Transcript {
  /** Entries by id; made at the first entry (an idle session holds none). */
  #entries: Map<string, Entry> | undefined;
  /**
   * Entries in the order they came, oldest at `#head`: the oldest is found without walking a Map past its deleted
   * entries (a Map copied afresh to drop them cost ~30% of a round trip's garbage once sessions passed `limit`).
   * An entry deleted or replaced stays here until it is passed: it counts only while `#entries` holds it.
   */
  #order: Entry[] = [];
  /** The client's id of each user message in `#order` (same index), so its `#byClientId` entry goes with it. */
  #clientIds: (string | undefined)[] = [];
  #head = 0;
  /** User messages of this session by the client's id, which is all a client knows them by; made on first use. */
  #byClientId: Map<string, string> | undefined;

  readonly limit: number;

  constructor(limit = 1000) {
    this.limit = limit;
  }

  /** Starts from a reopened thread's stored messages. */
  seed(messages: readonly HistoryMessage[]): void {
    for (const message of messages) this.#put({ ...message });
  }

  /** A user message, when its turn comes (the order handlers see it in). The transcript keeps `message` itself (no
   * copy per message): the caller must not change it afterwards. */
  user(message: HistoryMessage, clientId: string): void {
    this.#put(message, clientId);
    this.#byClientId ??= new Map();
    this.#byClientId.set(clientId, message.id);
  }

  /** A user message by its server id or the client's id. */
  userMessage(id: string): HistoryMessage | undefined {
    const entry = this.#entries?.get(id) ?? this.#entries?.get(this.#byClientId?.get(id) ?? "");
    if (entry === undefined || entry.role !== "user" || entry.step) return undefined;
    const { step: _step, ...message } = entry;
    return message;
  }

  /** The ids of every message and step after `id`, in order. */
  after(id: string): string[] {
    const ids: string[] = [];
    let found = false;
    for (const entry of this.#live()) {
      if (found) ids.push(entry.id);
      else found = entry.id === id;
    }
    return ids;
  }

  /** Whether a message or step with this id is in the transcript. */
  has(id: string): boolean {
    return this.#entries?.has(id) === true;
  }

  /** Changes a user message's content (an edit). */
  edit(id: string, content: string): void {
    const entry = this.#entries?.get(id);
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
        const known = this.#entries?.get(id);
        if (known === undefined) this.#add({ id, role, author, content, createdAt });
        else {
          known.role = role;
          known.author = author;
          known.content = content;
        }
        return;
      }
      case "stream_token": {
        const known = this.#entries?.get(frame.id);
        if (known !== undefined) known.content = frame.replace === true ? frame.token : known.content + frame.token;
        return;
      }
      case "stream_end": {
        const known = this.#entries?.get(frame.id);
        if (known !== undefined) known.content = frame.content;
        return;
      }
      case "step": {
        const { id, name, start } = frame.step;
        if (!this.has(id))
          this.#put({ id, role: "assistant", author: name, content: "", createdAt: start, step: true });
        return;
      }
      case "message_delete": {
        // Its client id's mapping stays until its slot in #order is passed: it names no entry (userMessage finds none).
        this.#entries?.delete(frame.id);
        return;
      }
      default:
        return;
    }
  }

  /** The messages in order, as copies (the caller may keep them). */
  messages(): HistoryMessage[] {
    const messages: HistoryMessage[] = [];
    for (const { step, ...message } of this.#live()) if (!step) messages.push(message);
    return messages;
  }

  /** The entries the transcript holds, oldest first. */
  *#live(): Generator<Entry> {
    const entries = this.#entries;
    if (entries === undefined) return;
    for (let i = this.#head; i < this.#order.length; i++) {
      const entry = this.#order[i] as Entry;
      if (entries.get(entry.id) === entry) yield entry;
    }
  }

  #put(entry: Entry, clientId?: string): void {
    const replaced = this.#entries?.get(entry.id);
    // Same id again (a seed listing it twice): it keeps its place, as a Map's set does.
    if (replaced !== undefined) {
      this.#entries?.set(entry.id, entry);
      const at = this.#order.indexOf(replaced, this.#head);
      this.#order[at] = entry;
      this.#clientIds[at] = clientId;
      return;
    }
    this.#add(entry, clientId);
  }

  /** `#put` of an entry whose id the transcript does not hold (a frame's message it just looked up). */
  #add(entry: Entry, clientId?: string): void {
    this.#entries ??= new Map<string, Entry>();
    const entries = this.#entries;
    entries.set(entry.id, entry);
    this.#order.push(entry);
    this.#clientIds.push(clientId);
    while (entries.size > this.limit) this.#pass();
    // Deleted messages are passed only when the oldest go: with many of them, the arrays keep the live ones only.
    if (this.#order.length - this.#head > 2 * this.limit) this.#compact(true);
    // The passed slots are dropped once they are half the array: a copy of `limit` pointers per `limit` entries.
    else if (this.#head >= 64 && this.#head * 2 >= this.#order.length) this.#compact(false);
  }

  /** Lets the oldest slot go: its entry (if it is still the one under its id) and its client id's mapping. */
  #pass(): void {
    const at = this.#head++;
    const oldest = this.#order[at] as Entry;
    const clientId = this.#clientIds[at];
    this.#order[at] = undefined as unknown as Entry;
    this.#clientIds[at] = undefined;
    if (this.#entries?.get(oldest.id) === oldest) this.#entries.delete(oldest.id);
    // A client may use one id for many messages: only the mapping to this message goes.
    if (clientId !== undefined && this.#byClientId?.get(clientId) === oldest.id) this.#byClientId.delete(clientId);
  }

  /** Drops the passed slots (and, with `dead`, the slots of deleted entries: their client ids' mappings go too). */
  #compact(dead: boolean): void {
    const order: Entry[] = [];
    const clientIds: (string | undefined)[] = [];
    for (let i = this.#head; i < this.#order.length; i++) {
      const entry = this.#order[i] as Entry;
      const clientId = this.#clientIds[i];
      if (dead && this.#entries?.get(entry.id) !== entry) {
        if (clientId !== undefined && this.#byClientId?.get(clientId) === entry.id) this.#byClientId.delete(clientId);
        continue;
      }
      order.push(entry);
      clientIds.push(clientId);
    }
    this.#order = order;
    this.#clientIds = clientIds;
    this.#head = 0;
  }
}
