// NOTIFY payloads are limited to 8000 bytes: a longer message travels as numbered chunks, cut between UTF-8
// characters, and is put back together by the receiver. Chunks of one sender arrive in order (one connection
// publishes them, each in its own transaction), so reassembly needs no sorting, only a key per sender.

/** The largest payload PostgreSQL's NOTIFY takes (it must be shorter than 8000 bytes). */
export const MAX_NOTIFY_BYTES = 7999;

/**
 * Splits `body` into payloads of at most `maxBytes` bytes each, every one starting with the header
 * `<sender> <messageId> <index>/<count> `. Sender and message id must not contain spaces.
 * @example const payloads = chunkPayload("node1", "42", JSON.stringify(message));
 */
export function chunkPayload(sender: string, messageId: string, body: string, maxBytes = MAX_NOTIFY_BYTES): string[] {
  const bytes = Buffer.from(body, "utf8");
  // The header grows with the count's digits: budget for the longest one it can have.
  const header = (index: number, count: number) => `${sender} ${messageId} ${index}/${count} `;
  const room = maxBytes - Buffer.byteLength(header(999_999, 999_999));
  if (room < 4) throw new Error("maxBytes leaves no room for a chunk's body");
  const parts: Buffer[] = [];
  let start = 0;
  while (start < bytes.length || parts.length === 0) {
    let end = Math.min(start + room, bytes.length);
    // Never cut inside a character: back up over continuation bytes (10xxxxxx).
    while (end < bytes.length && end > start && ((bytes[end] as number) & 0xc0) === 0x80) end--;
    parts.push(bytes.subarray(start, end));
    start = end;
  }
  return parts.map((part, index) => header(index, parts.length) + part.toString("utf8"));
}

/** Puts chunked messages back together, from any number of senders. */
export class Reassembler {
  readonly #partial = new Map<string, { id: string; parts: string[] }>();

  /**
   * Takes one payload; returns the whole message once its last chunk is in, else undefined. A malformed payload
   * or a chunk out of order (a lost one) drops that sender's partial message.
   */
  take(payload: string): { sender: string; body: string } | undefined {
    const first = payload.indexOf(" ");
    const second = payload.indexOf(" ", first + 1);
    const third = payload.indexOf(" ", second + 1);
    if (first <= 0 || second <= first || third <= second) return undefined;
    const sender = payload.slice(0, first);
    const id = payload.slice(first + 1, second);
    const [index, count] = payload
      .slice(second + 1, third)
      .split("/")
      .map(Number) as [number, number];
    const body = payload.slice(third + 1);
    if (!(count >= 1 && index >= 0 && index < count)) return undefined;
    if (count === 1) return { sender, body };
    const partial = this.#partial.get(sender);
    if (index === 0) {
      this.#partial.set(sender, { id, parts: [body] });
      return undefined;
    }
    if (partial === undefined || partial.id !== id || partial.parts.length !== index) {
      this.#partial.delete(sender);
      return undefined;
    }
    partial.parts.push(body);
    if (partial.parts.length < count) return undefined;
    this.#partial.delete(sender);
    return { sender, body: partial.parts.join("") };
  }

  /** Partial messages being put together (for tests and leak checks). */
  get pending(): number {
    return this.#partial.size;
  }
}
