// The session's key/value store (Chainlit's user_session), typed by the app's state shape S.
import { ChatwireError } from "../errors.ts";

/** A typed key/value store scoped to one chat session. */
export interface SessionStore<S extends object> {
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

/**
 * Creates a store, optionally filled with initial values. `maxBytes` bounds the entries' approximate JSON size:
 * a `set` beyond it throws STORE_FULL and leaves the store as it was.
 * @example const store = createSessionStore<{ turns: number }>({ turns: 0 }); store.set("turns", 1);
 */
export function createSessionStore<S extends object>(initial?: Partial<S>, maxBytes = Infinity): SessionStore<S> {
  const entries = new Map<string, unknown>(Object.entries(initial ?? {}));
  const sizes = new Map<string, number>([...entries].map(([key, value]) => [key, key.length + sizeOf(value)]));
  let total = [...sizes.values()].reduce((sum, size) => sum + size, 0);
  return {
    get: (key) => entries.get(key) as S[typeof key] | undefined,
    set: (key, value) => {
      const size = key.length + sizeOf(value);
      const next = total - (sizes.get(key) ?? 0) + size;
      if (next > maxBytes)
        throw new ChatwireError("STORE_FULL", `session store would hold ${next} bytes (max ${maxBytes})`);
      entries.set(key, value);
      sizes.set(key, size);
      total = next;
    },
    has: (key) => entries.has(key),
    delete: (key) => {
      total -= sizes.get(key) ?? 0;
      sizes.delete(key);
      return entries.delete(key);
    },
    snapshot: () => Object.fromEntries(entries) as Partial<S>,
  };
}
