// The session's key/value store (Chainlit's user_session), typed by the app's state shape S.

/** A typed key/value store scoped to one chat session. */
export interface SessionStore<S extends object> {
  get<K extends keyof S & string>(key: K): S[K] | undefined;
  set<K extends keyof S & string>(key: K, value: S[K]): void;
  has(key: keyof S & string): boolean;
  delete(key: keyof S & string): boolean;
  /** A shallow copy of every entry, e.g. to persist it. */
  snapshot(): Partial<S>;
}

/**
 * Creates a store, optionally filled with initial values.
 * @example const store = createSessionStore<{ turns: number }>({ turns: 0 }); store.set("turns", 1);
 */
export function createSessionStore<S extends object>(initial?: Partial<S>): SessionStore<S> {
  const entries = new Map<string, unknown>(Object.entries(initial ?? {}));
  return {
    get: (key) => entries.get(key) as S[typeof key] | undefined,
    set: (key, value) => {
      entries.set(key, value);
    },
    has: (key) => entries.has(key),
    delete: (key) => entries.delete(key),
    snapshot: () => Object.fromEntries(entries) as Partial<S>,
  };
}
