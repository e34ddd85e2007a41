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

/** The store behind `ctx.state`. Its maps are made at the first `set`: most idle sessions never set a thing. */
class BoundedStore<S extends object> implements StateStore<S> {
  #entries: Map<string, unknown> | undefined;
  #sizes: Map<string, number> | undefined;
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
    return this.#entries?.get(key) as S[K] | undefined;
  }

  set<K extends keyof S & string>(key: K, value: S[K]): void {
    const size = key.length + sizeOf(value);
    const next = this.#total - (this.#sizes?.get(key) ?? 0) + size;
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
    this.#total -= this.#sizes?.get(key) ?? 0;
    this.#sizes?.delete(key);
    return this.#entries?.delete(key) ?? false;
  }

  snapshot(): Partial<S> {
    return (this.#entries === undefined ? {} : Object.fromEntries(this.#entries)) as Partial<S>;
  }

  #put(key: string, value: unknown, size: number): void {
    this.#entries ??= new Map();
    this.#sizes ??= new Map();
    this.#entries.set(key, value);
    this.#sizes.set(key, size);
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
