// The session directory: which node holds each live session, in PostgreSQL. A node's lease is one row it renews
// every heartbeat; its sessions' rows hang off it and are deleted with it (ON DELETE CASCADE) once any node sees
// the lease run out. Times come from the database's clock, so nodes' clocks need not agree. A node is alive while its
// lease runs AND it holds its liveness lock (liveness.ts): a killed node is dead at once, not a lease later.
import pg from "pg";
import { createLivenessLock, lockHeldSql } from "./liveness.ts";

/** A live session as the directory knows it. */
export interface DirectoryEntry {
  readonly sessionId: string;
  readonly threadId: string;
  readonly userIdentifier: string | undefined;
}

const NOW_MS = "(extract(epoch from clock_timestamp()) * 1000)::bigint";

/** The directory's view for one node: its lease, its sessions, and look-ups of everybody's. */
export interface Directory {
  /** Takes this node's liveness lock, and registers (or re-registers) it with a fresh lease. */
  join(): Promise<void>;
  /** Renews this node's lease and forgets expired nodes; re-registers this node and `held` if its own lease had
   * already been forgotten (the database was away longer than the lease), and takes its lock again if it was lost.
   * True when the lease was found gone, or the lock not held now: other nodes may take this node for dead. */
  heartbeat(held: () => readonly DirectoryEntry[]): Promise<boolean>;
  /** Calls `listener` as soon as this node's lock connection ends: other nodes take it for dead from then on. */
  onLockLost(listener: () => void): void;
  add(entry: DirectoryEntry): Promise<void>;
  remove(sessionId: string): Promise<void>;
  /** The node holding `sessionId` while it is alive (its lease running, its lock held), or undefined. */
  nodeOfSession(sessionId: string): Promise<string | undefined>;
  /** The live nodes other than this one that hold sessions of `threadId` (its followers there among them). */
  nodesOfThread(threadId: string): Promise<string[]>;
  /** Sessions of `userIdentifier` on live nodes other than this one. */
  countElsewhere(userIdentifier: string): Promise<number>;
  /** The nodes whose lease is still running and whose liveness lock is held. */
  liveNodes(): Promise<Set<string>>;
  /** Deletes this node (and its sessions' rows): on a clean shutdown. */
  leave(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The directory of node `nodeId` on one connection of its own (a pool of 1, so a lost connection is replaced).
 * @example const directory = createDirectory(url, bus.nodeId, 3000); await directory.join();
 */
export function createDirectory(connectionString: string, nodeId: string, leaseMs: number): Directory {
  const pool = new pg.Pool({ connectionString, max: 1, connectionTimeoutMillis: leaseMs });
  pool.on("error", () => {});
  const lock = createLivenessLock(connectionString, nodeId, leaseMs);
  const query = (sql: string, values: unknown[]) => pool.query(sql, values);
  const join = async () => {
    await lock.ensure();
    await query(
      `INSERT INTO chatwire_cluster_nodes (node_id, expires_at) VALUES ($1, ${NOW_MS} + $2)
       ON CONFLICT (node_id) DO UPDATE SET expires_at = excluded.expires_at`,
      [nodeId, leaseMs],
    );
  };
  const add = async ({ sessionId, threadId, userIdentifier }: DirectoryEntry) => {
    await query(
      `INSERT INTO chatwire_cluster_sessions (session_id, node_id, thread_id, user_identifier) VALUES ($1, $2, $3, $4)
       ON CONFLICT (session_id) DO UPDATE SET node_id = excluded.node_id`,
      [sessionId, nodeId, threadId, userIdentifier ?? null],
    );
  };
  const alive = `JOIN chatwire_cluster_nodes n ON n.node_id = s.node_id AND n.expires_at > ${NOW_MS}
    AND ${lockHeldSql("n.node_id")}`;
  return {
    join,
    async heartbeat(held) {
      await lock.ensure();
      const renewed = await query(
        `UPDATE chatwire_cluster_nodes SET expires_at = ${NOW_MS} + $2 WHERE node_id = $1
         RETURNING ${lockHeldSql("$1")} AS locked`,
        [nodeId, leaseMs],
      );
      const row = renewed.rows[0] as { locked: boolean } | undefined;
      const locked = row?.locked === true;
      // A connection that died without this process noticing (a cut network): the database no longer has the lock.
      if (row !== undefined && lock.held && !locked) lock.dropped();
      if (row === undefined) {
        await join();
        for (const entry of held()) await add(entry);
      }
      await query(`DELETE FROM chatwire_cluster_nodes WHERE expires_at < ${NOW_MS}`, []);
      return !locked;
    },
    onLockLost: (listener) => lock.onLost(listener),
    add,
    async remove(sessionId) {
      await query("DELETE FROM chatwire_cluster_sessions WHERE session_id = $1 AND node_id = $2", [sessionId, nodeId]);
    },
    async nodeOfSession(sessionId) {
      const { rows } = await query(
        `SELECT s.node_id FROM chatwire_cluster_sessions s ${alive} WHERE s.session_id = $1`,
        [sessionId],
      );
      return (rows[0] as { node_id: string } | undefined)?.node_id;
    },
    async nodesOfThread(threadId) {
      const { rows } = await query(
        `SELECT DISTINCT s.node_id FROM chatwire_cluster_sessions s ${alive} WHERE s.thread_id = $1 AND s.node_id <> $2`,
        [threadId, nodeId],
      );
      return (rows as { node_id: string }[]).map((row) => row.node_id);
    },
    async countElsewhere(userIdentifier) {
      const { rows } = await query(
        `SELECT count(*)::int AS n FROM chatwire_cluster_sessions s ${alive}
         WHERE s.user_identifier = $1 AND s.node_id <> $2`,
        [userIdentifier, nodeId],
      );
      return (rows[0] as { n: number }).n;
    },
    async liveNodes() {
      const { rows } = await query(
        `SELECT node_id FROM chatwire_cluster_nodes n WHERE n.expires_at > ${NOW_MS} AND ${lockHeldSql("n.node_id")}`,
        [],
      );
      return new Set((rows as { node_id: string }[]).map((row) => row.node_id));
    },
    async leave() {
      await query("DELETE FROM chatwire_cluster_nodes WHERE node_id = $1", [nodeId]);
    },
    async close() {
      await lock.close();
      await pool.end();
    },
  };
}
