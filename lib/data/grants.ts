// Sticky tool approvals as the data layers keep them (`ctx.approve`, lib/context/approve.ts): one row per holder and
// tool. A holder is a thread ("thread:<id>", the grants of "Allow in this conversation") or a signed-in user
// ("user:<identifier>", "Always allow"); a thread's rows go with the thread.
import type { DataLayer } from "./layer.ts";

/** The holder key of a thread's grants. @example threadHolder("t1") // "thread:t1" */
export const threadHolder = (threadId: string): string => `thread:${threadId}`;

/** The holder key of a user's grants. @example userHolder("ada") // "user:ada" */
export const userHolder = (identifier: string): string => `user:${identifier}`;

/** The grant methods of a data layer (optional for an embedder's own layer: without them, grants live in the session). */
export type GrantStore = Required<Pick<DataLayer, "hasToolGrant" | "addToolGrant" | "removeToolGrant">>;

/**
 * Grants in memory: the memory layer's.
 * @example const store = memoryGrantStore(); await store.addToolGrant("user:ada", "deploy");
 */
export function memoryGrantStore(): GrantStore & { deleteHolder(holder: string): void } {
  const rows = new Map<string, Set<string>>(); // holder -> tools
  return {
    hasToolGrant: async (holders, tool) => holders.some((holder) => rows.get(holder)?.has(tool) === true),
    addToolGrant: async (holder, tool) => {
      const tools = rows.get(holder) ?? new Set();
      tools.add(tool);
      rows.set(holder, tools);
    },
    removeToolGrant: async (holders, tool) => {
      for (const holder of holders) rows.get(holder)?.delete(tool);
    },
    deleteHolder: (holder) => void rows.delete(holder),
  };
}
