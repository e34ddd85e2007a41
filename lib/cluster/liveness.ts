// A node's liveness lock: a session-level advisory lock keyed on its id, held on a PostgreSQL connection of its own
// for as long as the node lives. A process that dies (kill -9, out of memory) takes its connection with it, and
// PostgreSQL frees the lock as soon as it sees the socket close: the other nodes find the node dead at once instead of
// when its lease runs out. A lock connection that ends while the process lives (a network blip, a PostgreSQL restart)
// is a lost lease: the node is told (`onLost`), and takes the lock again on a fresh connection at its next heartbeat.
import pg from "pg";

/** The first key of every node's lock: the second is hashtext(node id). */
const LOCK_SPACE = "chatwire-node";

/**
 * SQL true when the lock of the node whose id is the SQL expression `nodeId` is held by a live connection. A lock on
 * two int4 keys shows in pg_locks as classid = key 1, objid = key 2 (both as oid, so a negative key reads unsigned),
 * objsubid = 2.
 * @example const sql = `SELECT node_id FROM chatwire_cluster_nodes n WHERE ${lockHeldSql("n.node_id")}`;
 */
export const lockHeldSql = (nodeId: string): string =>
  `EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
    AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
    AND l.classid = hashtext('${LOCK_SPACE}')::oid AND l.objid = hashtext(${nodeId})::oid)`;

/** The application_name of a node's lock connection (pg_stat_activity shows it: an operator can find it). */
export const lockConnectionName = (nodeId: string): string => `chatwire node ${nodeId}`.slice(0, 63);

/** One node's liveness lock. */
export interface LivenessLock {
  /** Whether this node holds its lock (as far as its connection knows). */
  readonly held: boolean;
  /** Takes the lock if it is not held: at start, then at each heartbeat after a loss. A lock another connection
   * still holds (a dead connection of this node PostgreSQL has not noticed yet) is not taken: tried again later. */
  ensure(): Promise<void>;
  /** The database says the lock is not held although this node thought it was (a connection that died unnoticed):
   * it is dropped as lost, to be taken again. */
  dropped(): void;
  /** Calls `listener` each time a held lock is lost. */
  onLost(listener: () => void): void;
  close(): Promise<void>;
}

/**
 * The lock of node `nodeId` on a connection of its own.
 * @example const lock = createLivenessLock(url, nodeId, 3000); await lock.ensure();
 */
export function createLivenessLock(connectionString: string, nodeId: string, timeoutMs: number): LivenessLock {
  const listeners: (() => void)[] = [];
  let client: pg.Client | undefined;
  let taking: Promise<void> | undefined;
  let closed = false;

  const lose = (which: pg.Client) => {
    if (client !== which) return;
    client = undefined;
    which.end().catch(() => {});
    if (!closed) for (const listener of listeners) listener();
  };

  const take = async () => {
    const fresh = new pg.Client({
      connectionString,
      application_name: lockConnectionName(nodeId),
      connectionTimeoutMillis: timeoutMs,
    });
    fresh.on("error", () => {}); // followed by "end"
    fresh.once("end", () => lose(fresh));
    try {
      await fresh.connect();
      const { rows } = await fresh.query<{ ok: boolean }>(
        "SELECT pg_try_advisory_lock(hashtext($1), hashtext($2)) AS ok",
        [LOCK_SPACE, nodeId],
      );
      if (rows[0]?.ok === true && !closed) {
        client = fresh;
        return;
      }
    } catch {
      // The database is away: the next heartbeat tries again.
    }
    await fresh.end().catch(() => {});
  };

  return {
    get held() {
      return client !== undefined;
    },
    ensure() {
      if (client !== undefined || closed) return Promise.resolve();
      taking ??= take().finally(() => (taking = undefined));
      return taking;
    },
    dropped() {
      if (client !== undefined) lose(client);
    },
    onLost: (listener) => void listeners.push(listener),
    async close() {
      closed = true;
      await taking;
      const last = client;
      client = undefined;
      await last?.end().catch(() => {});
    },
  };
}
