// The gateway's side of durable turns (docs/durability.md): which node this process is, how it tells whether
// another node still runs its turns (the cluster's leases), and what a single node finds left by a dead process.
import type { FastifyBaseLogger } from "fastify";
import { nanoid } from "nanoid";
import type { ClusterNode } from "../cluster/cluster.ts";
import type { DurableTurnsConfig } from "../session/durable-turns.ts";
import type { ResolvedOptions } from "./options.ts";
import type { Persistence } from "./persistence.ts";

/**
 * How this gateway keeps turns durable; undefined when it does not (no persistence, a layer without `turns`, or
 * `durableTurns: false`). On one node every other owner is a process that ended; in a cluster, a node whose lease
 * ran out. A single node logs what it finds left running at start-up (the orphan sweeper recovers them).
 */
export async function durableTurnsOf(
  options: Pick<ResolvedOptions<object>, "durableTurns" | "recoverTurns" | "maxTurnAttempts" | "orphanSweepMs">,
  persistence: Persistence | undefined,
  cluster: ClusterNode | undefined,
  log: FastifyBaseLogger,
): Promise<DurableTurnsConfig | undefined> {
  const store = persistence?.layer.turns;
  if (!options.durableTurns || store === undefined) return undefined;
  const nodeId = cluster?.nodeId ?? `p${nanoid()}`;
  if (cluster === undefined) {
    const orphans = await store.countOrphans(nodeId).catch(() => 0);
    const when = options.orphanSweepMs > 0 ? "recovered now, with no client" : "recovered as their threads reopen";
    if (orphans > 0) log.info({ orphans }, `turns left running by a previous process: ${when}`);
  }
  return {
    store,
    nodeId,
    isAlive: cluster === undefined ? async () => false : (id) => cluster.isNodeAlive(id),
    recover: options.recoverTurns,
    maxAttempts: options.maxTurnAttempts,
  };
}
