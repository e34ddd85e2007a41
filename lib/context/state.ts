// A session's state: the typed key/value store behind `ctx.state` (Chainlit's user_session), shaped by the app's S.
import { ChatwireError } from "../errors.ts";

/** A typed key/value store scoped to one chat session: `ctx.state`. */
export interface StateStore<S extends object> {
  get<K extends keyof S & string>(key: K): S[K] | undefined;
  set<K extends keyof S & string>(key: K, value: S[K]): void;
  has(key: keyof S & string): boolean;
  delete(key: keyof S & string): boolean;
  /** A shallow copy of every entry, e.g. to persist it. */
  snapshot(): Partial<S>;
}

/** Approximate size of a value as JSON; values JSON cannot hold (functions, cycles, handles) count as 1 KiB. */
function sizeOf(value: unknown): number {
  if (typeof value === "number" || typeof value === "boolean" || value === null || value === undefined) return 8;
  if (typeof value === "string") return value.length + 2;
  try {
    return JSON.stringify(value)?.length ?? 8;
  } catch {
    return 1024;
  }
}

/** A value and its approximate size, changed in place when its key is set again (no object per `set`). */
interface Slot {
  value: unknown;
  size: number;
}

/** The store behind `ctx.state`. Its map is made at the first `set`: most idle sessions never set a thing. One map of
 * slots rather than a map of values beside a map of sizes: an idle session's state costs one hash table, not two. */
class BoundedStore<S extends object> implements StateStore<S> {
  #entries: Map<string, Slot> | undefined;
  #total = 0;

  private readonly maxBytes: number;

  constructor(initial: Partial<S> | undefined, maxBytes: number) {
    this.maxBytes = maxBytes;
    for (const [key, value] of Object.entries(initial ?? {})) {
      const size = key.length + sizeOf(value);
      this.#put(key, value, size);
      this.#total += size;
    }
  }

  get<K extends keyof S & string>(key: K): S[K] | undefined {
    return this.#entries?.get(key)?.value as S[K] | undefined;
  }

  set<K extends keyof S & string>(key: K, value: S[K]): void {
    const size = key.length + sizeOf(value);
    const next = this.#total - (this.#entries?.get(key)?.size ?? 0) + size;
    if (next > this.maxBytes) {
      throw new ChatwireError("STORE_FULL", `the state would hold ${next} bytes (max ${this.maxBytes})`);
    }
    this.#put(key, value, size);
    this.#total = next;
  }

  has(key: keyof S & string): boolean {
    return this.#entries?.has(key) ?? false;
  }

  delete(key: keyof S & string): boolean {
    this.#total -= this.#entries?.get(key)?.size ?? 0;
    return this.#entries?.delete(key) ?? false;
  }

  snapshot(): Partial<S> {
    // fromEntries, not assignments: a key such as "__proto__" stays an own entry.
    return Object.fromEntries(Array.from(this.#entries ?? [], ([key, slot]) => [key, slot.value])) as Partial<S>;
  }

  #put(key: string, value: unknown, size: number): void {
    this.#entries ??= new Map();
    const slot = this.#entries.get(key);
    if (slot === undefined) this.#entries.set(key, { value, size });
    else {
      slot.value = value;
      slot.size = size;
    }
  }
}

/**
 * Creates a store, optionally filled with initial values. `maxBytes` bounds the entries' approximate JSON size:
 * a `set` beyond it throws STORE_FULL and leaves the store as it was.
 * @example const store = createStateStore<{ turns: number }>({ turns: 0 }); store.set("turns", 1);
 */
export function createStateStore<S extends object>(initial?: Partial<S>, maxBytes = Infinity): StateStore<S> {
  return new BoundedStore(initial, maxBytes);
}
