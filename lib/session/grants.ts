// A session's sticky tool approvals (`ctx.approve`): its thread's and its user's grants in the data layer when the
// layer keeps them (so they hold after a reconnect, a reopened thread, on every node), else in the session alone.
import type { ToolGrants } from "../context/approve.ts";
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
    return new SessionMemoryGrants();
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

/**
 * `memoryGrants()` for a live session: the same grants, as methods on a prototype with the set made at the first
 * grant, not three closures and a set per session (~0.4 KiB of every idle session's memory). Only chatwire calls
 * them, always as methods; the public `memoryGrants()` keeps its closures (an app may destructure them).
 */
class SessionMemoryGrants implements ToolGrants {
  #granted: Set<string> | undefined;

  get widest(): "thread" {
    return "thread";
  }

  async has(tool: string): Promise<boolean> {
    return this.#granted?.has(tool) === true;
  }

  async add(tool: string): Promise<void> {
    this.#granted ??= new Set();
    this.#granted.add(tool);
  }

  async remove(tool: string): Promise<void> {
    this.#granted?.delete(tool);
  }
}
