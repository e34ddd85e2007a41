// The gateway's side of durable turns (docs/durability.md): which node this process is, how it tells whether
// another node still runs its turns (the cluster's leases), and what a single node finds left by a dead process.
import type { FastifyBaseLogger } from "fastify";
import { nanoid } from "nanoid";
import type { ClusterNode } from "../cluster/cluster.ts";
import type { TurnStore } from "../data/turns.ts";
import type { DurableTurnsConfig } from "../session/durable-turns.ts";
import { OwnedTurns } from "../session/turn-fence.ts";
import type { ResolvedOptions } from "./options.ts";
import type { Persistence } from "./persistence.ts";

/**
 * How this gateway keeps turns durable; undefined when it does not (no persistence, a layer without `turns`, or
 * `durableTurns: false`). On one node every other owner is a process that ended; in a cluster, a node whose lease
 * ran out or whose liveness lock is free (it was killed). A single node logs what it finds left running at start-up:
 * recovered by the orphan sweeper. In a cluster this node's own turns are fenced (fenceTurns).
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
  const owned = cluster === undefined ? undefined : fenceTurns(cluster, store, nodeId, log);
  return {
    store,
    nodeId,
    ...(owned === undefined ? {} : { owned }),
    isAlive: cluster === undefined ? async () => false : (id) => cluster.isNodeAlive(id),
    recover: options.recoverTurns,
    maxAttempts: options.maxTurnAttempts,
  };
}

/**
 * The fencing of this node's durable turns (docs/durability.md#fencing). Once other nodes may take this node for
 * dead (its lock connection ended, its lease was found gone), every turn it runs is stopped and let go — left live,
 * owned by no node, for the node its thread reopens on — unless another node claimed it first. After each heartbeat,
 * the turns another node has claimed meanwhile (this node was taken for dead and did not notice) are stopped too.
 */
function fenceTurns(cluster: ClusterNode, store: TurnStore, nodeId: string, log: FastifyBaseLogger): OwnedTurns {
  const owned = new OwnedTurns();
  cluster.onLeaseLost(() => {
    const lost = owned.lose();
    if (lost.length === 0) return;
    log.warn({ turns: lost.length }, "durable turns stopped: this node may have been taken for dead");
    store.disown?.(lost, nodeId).catch((error: unknown) => {
      log.error({ err: error }, "stopped turns were not let go: they are recovered once this node's lease runs out");
    });
  });
  cluster.onHeartbeat(async () => {
    const ids = owned.ids();
    if (ids.length === 0 || store.ownedElsewhere === undefined) return;
    const taken = owned.lose(await store.ownedElsewhere(ids, nodeId));
    if (taken.length > 0) log.warn({ turns: taken.length }, "durable turns stopped: another node claimed them");
  });
  return owned;
}
