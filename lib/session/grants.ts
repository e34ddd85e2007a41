// A session's sticky tool approvals (`ctx.approve`): its thread's and its user's grants in the data layer when the
// layer keeps them (so they hold after a reconnect, a reopened thread, on every node), else in the session alone.
import { memoryGrants, type ToolGrants } from "../context/approve.ts";
import { threadHolder, userHolder } from "../data/grants.ts";
import type { DataLayer } from "../data/layer.ts";
import type { User } from "../protocol/views.ts";

/**
 * The grants of a session on `threadId`, signed in as `user` (or not), kept by `layer` if it can.
 * @example const grants = sessionGrants("t1", { identifier: "ada" }, layer); grants.widest // "user"
 */
export function sessionGrants(threadId: string, user: User | undefined, layer: DataLayer | undefined): ToolGrants {
  const { hasToolGrant, addToolGrant, removeToolGrant } = layer ?? {};
  if (
    layer === undefined ||
    hasToolGrant === undefined ||
    addToolGrant === undefined ||
    removeToolGrant === undefined
  ) {
    return memoryGrants();
  }
  const thread = threadHolder(threadId);
  const mine = user === undefined ? undefined : userHolder(user.identifier);
  const holders = mine === undefined ? [thread] : [thread, mine];
  return {
    widest: mine === undefined ? "thread" : "user",
    has: (tool) => hasToolGrant.call(layer, holders, tool),
    add: (tool, scope) => addToolGrant.call(layer, scope === "user" && mine !== undefined ? mine : thread, tool),
    remove: (tool) => removeToolGrant.call(layer, holders, tool),
  };
}
