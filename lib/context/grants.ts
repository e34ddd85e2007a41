// Where a session keeps the sticky approvals of `ctx.approve` (lib/context/approve.ts); the session's own, backed
// by the data layer, is lib/session/grants.ts.

/** Where a session keeps sticky approvals. */
export interface ToolGrants {
  /** The widest scope it can keep: "user" only with a signed-in user and a data layer that stores grants. */
  readonly widest: "thread" | "user";
  /** Whether `tool` was approved for this thread or, always, by this user. */
  has(tool: string): Promise<boolean>;
  add(tool: string, scope: "thread" | "user"): Promise<void>;
  /** Forgets every grant of `tool` for this thread and this user. */
  remove(tool: string): Promise<void>;
}

/**
 * Grants kept in memory for one session (no data layer): a thread grant lasts as long as the session.
 * @example const grants = memoryGrants(); await grants.add("deploy", "thread"); await grants.has("deploy") // true
 */
export function memoryGrants(): ToolGrants {
  const granted = new Set<string>();
  return {
    widest: "thread",
    has: async (tool) => granted.has(tool),
    add: async (tool) => void granted.add(tool),
    remove: async (tool) => void granted.delete(tool),
  };
}
