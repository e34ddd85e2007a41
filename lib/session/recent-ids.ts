// The ids of a conversation's most recent messages: feedback may name only these.

/**
 * A set that keeps the last `limit` ids added. A ring remembers their order, so forgetting the oldest is O(1)
 * (a Set alone would have to walk past every deleted entry to find its first live one).
 */
export class RecentIds {
  readonly #ids = new Set<string>();
  readonly #ring: string[] = [];
  #next = 0;

  constructor(readonly limit: number) {}

  add(id: string): void {
    if (this.#ids.has(id)) return;
    this.#ids.add(id);
    if (this.#ring.length < this.limit) {
      this.#ring.push(id);
      return;
    }
    this.#ids.delete(this.#ring[this.#next] as string);
    this.#ring[this.#next] = id;
    this.#next = (this.#next + 1) % this.limit;
  }

  has(id: string): boolean {
    return this.#ids.has(id);
  }
}
