// The PostgreSQL layer (the `pg` package): for several gateway nodes sharing one database. Same tables as SQLite
// (schema.ts); migrations run under an advisory lock so nodes starting together apply each version once. Every
// wait is bounded: connecting, locks and statements time out, and a call retries a lost connection until then.
import pg from "pg";
import { MAX_TIMER_MS } from "../runtime/timers.ts";
import { FAVORITES_METADATA_KEY, type FavoriteRow, favoritesLimit, toFavorite } from "./favorites.ts";
import type { FileBytes } from "./files.ts";
import { threadHolder } from "./grants.ts";
import type { DataLayer, LockPolicy, LoginCharge } from "./layer.ts";
import { pageLimit, withElements } from "./layer.ts";
import { charged, type LoginCounter, lockedUntil } from "./login-counters.ts";
import { applyBatch, batchSql } from "./postgres-batch.ts";
import { postgresFiles } from "./postgres-files.ts";
import { postgresGrants } from "./postgres-grants.ts";
import { postgresTurns } from "./postgres-turns.ts";
import { insertThread, patchThread, type Queryable, upsertUser } from "./postgres-writes.ts";
import {
  type ElementRow,
  type FeedbackRow,
  feedbackByStep,
  likePattern,
  type StepRow,
  type ThreadRow,
  toElement,
  toStep,
  toThread,
  toUser,
  type UserRow,
} from "./rows.ts";
import { postgresMigrations } from "./schema.ts";
import { DEFAULT_DATA_TIMEOUT_MS, patiently } from "./unavailable.ts";

/** Options of the PostgreSQL layer. */
export interface PostgresOptions {
  /** e.g. "postgres://user:password@db:5432/chatwire" */
  readonly connectionString: string;
  /** Pool size. Default 10. */
  readonly maxConnections?: number;
  /** Batches of the recorder written at once, each on its own connection (at most `maxConnections` - 1, leaving
   * one for reads): their commits share the server's WAL flushes. Default 1: on a CPU-bound machine more only cost
   * CPU (docs/performance.md); raise it where a commit's latency (a distant server, a slow disk) bounds the rate. */
  readonly batchesInFlight?: number;
  /** How long a call waits for a connection, a lock or an unreachable server (retrying) before it rejects with
   * DataUnavailableError. Default 5000. */
  readonly timeoutMs?: number;
  /** Where files' bytes go instead of this database (`createS3FileBytes`); their rows stay here. */
  readonly fileBytes?: FileBytes | undefined;
}

const THREAD_SELECT = `SELECT t.*, u.identifier AS user_identifier FROM chatwire_threads t
  LEFT JOIN chatwire_users u ON u.id = t.user_id`;

/** Migrations wait this long at least for another node's migration (the advisory lock). */
const MIGRATE_TIMEOUT_MS = 60_000;
/** A transaction whose server stopped answering is given up this long after its deadline. */
const HANG_GRACE_MS = 1_000;

// SQLSTATE classes and codes that say "not now" rather than "not this": connection exceptions (08), insufficient
// resources (53), operator intervention and timeouts (57), serialization failure and deadlock (40001, 40P01),
// lock_timeout (55P03).
const TRANSIENT_STATE = /^(08|53|57|40001|40P01|55P03)/;
const TRANSIENT_MESSAGE = /timeout exceeded when trying to connect|Connection terminated|not queryable|timed out/i;

/** Whether a pg error means the server was unreachable, busy or locked, so trying again later may work. */
function isTransient(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && (TRANSIENT_STATE.test(code) || /^E[A-Z]+$/.test(code))) return true;
  return TRANSIENT_MESSAGE.test(error.message);
}

interface CounterRow {
  counter_key: string;
  failures: number;
  locked_until: string;
  updated_at: string;
}

/**
 * Connects a PostgreSQL data layer (a pool; connections open on first use). Call `migrate()` before use.
 * @example const layer = createPostgresLayer({ connectionString: process.env.DATABASE_URL ?? "", timeoutMs: 3000 });
 */
export function createPostgresLayer(options: PostgresOptions): DataLayer {
  const timeoutMs = options.timeoutMs ?? DEFAULT_DATA_TIMEOUT_MS;
  const maxConnections = options.maxConnections ?? 10;
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: maxConnections,
    connectionTimeoutMillis: timeoutMs,
    lock_timeout: timeoutMs,
  });
  // An idle client that loses its connection emits "error" on the pool; without a listener that kills the process.
  pool.on("error", () => {});
  const retried = <T>(run: () => Promise<T>, deadline = Date.now() + timeoutMs): Promise<T> =>
    patiently(run, deadline, isTransient, "PostgreSQL is unreachable or locked");

  // One try at a transaction, its lock and statement waits cut at `deadline`; if the server stops answering, it is
  // given up a little later and its connection dropped instead of returned to the pool. `run` gets the SET LOCAL
  // statements of those limits; `wrapped` false leaves BEGIN and COMMIT to it (one SQL text that is its own
  // transaction).
  const attempt = async <T>(
    run: (client: pg.PoolClient, limits: string) => Promise<T>,
    deadline: number,
    waitMs?: number,
    wrapped = true,
  ) => {
    const left = waitMs ?? Math.max(1, Math.ceil(deadline - Date.now()));
    const limits = `SET LOCAL lock_timeout = ${left}; SET LOCAL statement_timeout = ${left}`;
    const client = await pool.connect();
    const work = !wrapped
      ? run(client, limits)
      : (async () => {
          await client.query(`BEGIN; ${limits}`);
          try {
            const result = await run(client, limits);
            await client.query("COMMIT");
            return result;
          } catch (error) {
            await client.query("ROLLBACK").catch(() => {});
            throw error;
          }
        })();
    let timer: NodeJS.Timeout | undefined;
    const hung = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("PostgreSQL timed out")), Math.min(MAX_TIMER_MS, left + HANG_GRACE_MS));
    });
    try {
      const result = await Promise.race([work, hung]);
      client.release();
      return result;
    } catch (error) {
      work.catch(() => {});
      client.release(isTransient(error) && error instanceof Error ? error : undefined);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  };
  /** A transaction retried until `deadline`; `waitMs` lets its statements wait longer (for another node's lock). */
  const transaction = <T>(
    run: (client: pg.PoolClient) => Promise<T>,
    deadline = Date.now() + timeoutMs,
    waitMs?: number,
  ) => retried(() => attempt(run, deadline, waitMs), deadline);
  /** SQL statements without parameters as one transaction in one round trip: a simple query of several statements
   * is committed (or rolled back) as a whole by the server itself. */
  const oneTrip = (sql: string, deadline = Date.now() + timeoutMs) =>
    retried(
      () =>
        attempt(
          async (client, limits) => {
            await client.query(`${limits};\n${sql}`);
          },
          deadline,
          undefined,
          false,
        ),
      deadline,
    );

  const getThread = async (id: string) => {
    const { rows } = await pool.query<ThreadRow>(`${THREAD_SELECT} WHERE t.id = $1`, [id]);
    return rows[0] === undefined ? undefined : toThread(rows[0]);
  };
  const loadThread = async (id: string) => {
    const record = await getThread(id);
    if (record === undefined) return undefined;
    const { secretHash: _secret, ...thread } = record;
    const [feedbackRows, stepRows, elementRows] = await Promise.all([
      pool.query<FeedbackRow>(
        `SELECT f.* FROM chatwire_feedbacks f JOIN chatwire_steps s ON s.id = f.for_id
         WHERE s.thread_id = $1 ORDER BY f.seq`,
        [id],
      ),
      pool.query<StepRow>("SELECT * FROM chatwire_steps WHERE thread_id = $1 ORDER BY seq", [id]),
      pool.query<ElementRow>("SELECT * FROM chatwire_elements WHERE thread_id = $1 ORDER BY seq", [id]),
    ]);
    const feedback = feedbackByStep(feedbackRows.rows);
    const steps = stepRows.rows.map((row) => toStep(row, feedback.get(row.id)));
    const elements = elementRows.rows.map(toElement);
    return { ...thread, steps: withElements(steps, elements), elements };
  };
  // Rows are made first and then locked in key order, so two nodes charging the same keys take turns.
  const chargeLogin = async (client: Queryable, charges: readonly LoginCharge[], now: number, policy: LockPolicy) => {
    const keys = [...new Set(charges.map((charge) => charge.key))].sort();
    await client.query(
      `INSERT INTO chatwire_login_counters (counter_key, failures, locked_until, updated_at)
       SELECT unnest($1::text[]), 0, 0, 0 ON CONFLICT (counter_key) DO NOTHING`,
      [keys],
    );
    const { rows } = await client.query<CounterRow>(
      `SELECT * FROM chatwire_login_counters WHERE counter_key = ANY($1::text[]) ORDER BY counter_key FOR UPDATE`,
      [keys],
    );
    const stored = new Map<string, LoginCounter>(
      rows.map((r) => [
        r.counter_key,
        { failures: r.failures, lockedUntil: Number(r.locked_until), updatedAt: Number(r.updated_at) },
      ]),
    );
    const until = lockedUntil([...stored.values()], now);
    if (until > 0) return until;
    const next = charges.map((charge) => [charge.key, charged(stored.get(charge.key), charge, now, policy)] as const);
    await client.query(
      `INSERT INTO chatwire_login_counters (counter_key, failures, locked_until, updated_at)
       SELECT * FROM unnest($1::text[], $2::int[], $3::bigint[], $4::bigint[])
       ON CONFLICT (counter_key) DO UPDATE SET failures = EXCLUDED.failures, locked_until = EXCLUDED.locked_until,
         updated_at = EXCLUDED.updated_at`,
      [
        next.map(([key]) => key),
        next.map(([, c]) => c.failures),
        next.map(([, c]) => c.lockedUntil),
        next.map(([, c]) => c.updatedAt),
      ],
    );
    // Idle counters go; rows another node holds are skipped rather than waited for.
    await client.query(
      `DELETE FROM chatwire_login_counters WHERE counter_key IN (SELECT counter_key FROM chatwire_login_counters
       WHERE updated_at <= $1 FOR UPDATE SKIP LOCKED)`,
      [now - policy.resetAfterMs],
    );
    return 0;
  };

  const files = postgresFiles(pool, retried, options.fileBytes);
  return {
    kind: "postgres",
    batchesInFlight: Math.max(1, Math.min(options.batchesInFlight ?? 1, maxConnections - 1)),
    files,
    ...postgresGrants(pool, retried),
    turns: postgresTurns(pool, (run) => retried(run)),
    migrate: () =>
      transaction(
        async (client) => {
          // The lock comes first: even CREATE TABLE IF NOT EXISTS races when two nodes run it at once.
          await client.query("SELECT pg_advisory_xact_lock(hashtext('chatwire.migrate'))");
          await client.query(`CREATE TABLE IF NOT EXISTS chatwire_migrations
          (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`);
          const { rows } = await client.query<{ version: number }>("SELECT version FROM chatwire_migrations");
          const done = new Set(rows.map((row) => row.version));
          for (const migration of postgresMigrations) {
            if (done.has(migration.version)) continue;
            await client.query(migration.sql);
            await client.query("INSERT INTO chatwire_migrations (version, name) VALUES ($1, $2)", [
              migration.version,
              migration.name,
            ]);
          }
        },
        undefined,
        Math.max(timeoutMs, MIGRATE_TIMEOUT_MS),
      ),
    close: () => pool.end(),
    upsertUser: (user) => retried(() => upsertUser(pool, user)),
    getUser: (identifier) =>
      retried(async () => {
        const { rows } = await pool.query<UserRow>("SELECT * FROM chatwire_users WHERE identifier = $1", [identifier]);
        return rows[0] === undefined ? undefined : toUser(rows[0]);
      }),
    createThread: (thread) =>
      retried(async () => {
        await insertThread(pool, thread);
        const record = await getThread(thread.id);
        if (record === undefined) throw new Error(`thread ${thread.id} was not created`);
        return record;
      }),
    getThread: (id) => retried(() => getThread(id)),
    loadThread: (id) => retried(() => loadThread(id)),
    listThreads: ({ userId, search, limit, cursor }) =>
      retried(async () => {
        const size = pageLimit(limit);
        const pattern = search === undefined || search === "" ? null : likePattern(search);
        const { rows } = await pool.query<ThreadRow>(
          `${THREAD_SELECT} WHERE t.user_id = $1 AND ($2::bigint IS NULL OR t.seq < $2::bigint)
           AND ($3::text IS NULL OR t.name ILIKE $3::text ESCAPE '\\') ORDER BY t.seq DESC LIMIT $4`,
          [userId, cursor ?? null, pattern, size + 1],
        );
        const page = rows.slice(0, size);
        const last = page.at(-1);
        const more = rows.length > size && last !== undefined;
        return { threads: page.map(toThread), ...(more ? { nextCursor: String(last.seq) } : {}) };
      }),
    // The favorite ids of each of the user's threads (a non-array value counts as none); only user messages still
    // in that thread count.
    listFavorites: (userIdentifier, limit) =>
      retried(async () => {
        const { rows } = await pool.query<FavoriteRow>(
          `SELECT s.id, s.thread_id, s.output, s.start_at FROM chatwire_threads t
           JOIN chatwire_users u ON u.id = t.user_id
           CROSS JOIN LATERAL jsonb_array_elements_text(CASE WHEN jsonb_typeof(t.metadata -> $1::text) = 'array'
             THEN t.metadata -> $1::text ELSE '[]'::jsonb END) AS f(id)
           JOIN chatwire_steps s ON s.id = f.id AND s.thread_id = t.id
           WHERE u.identifier = $2 AND s.kind = 'message' AND s.type = 'user'
           ORDER BY s.seq DESC LIMIT $3`,
          [FAVORITES_METADATA_KEY, userIdentifier, favoritesLimit(limit)],
        );
        return rows.map(toFavorite);
      }),
    updateThread: (id, patch) =>
      retried(async () => {
        await patchThread(pool, id, patch);
        return getThread(id);
      }),
    deleteThread: async (id) => {
      // Bytes kept elsewhere go first, with their rows; the transaction deletes any rows left.
      if (options.fileBytes !== undefined) await files.deleteThreadFiles(id);
      return transaction(async (client) => {
        await client.query("DELETE FROM chatwire_files WHERE thread_id = $1", [id]);
        await client.query("DELETE FROM chatwire_tool_grants WHERE holder = $1", [threadHolder(id)]);
        const result = await client.query("DELETE FROM chatwire_threads WHERE id = $1", [id]);
        return (result.rowCount ?? 0) > 0;
      });
    },
    setThreadShare: (threadId, shareId) =>
      retried(async () => {
        // COALESCE: a thread already shared keeps its link.
        const keep = shareId === null ? "$1::text" : "COALESCE(share_id, $1::text)";
        await pool.query(`UPDATE chatwire_threads SET share_id = ${keep} WHERE id = $2`, [shareId, threadId]);
        return getThread(threadId);
      }),
    getSharedThread: (shareId) =>
      retried(async () => {
        const { rows } = await pool.query<{ id: string }>("SELECT id FROM chatwire_threads WHERE share_id = $1", [
          shareId,
        ]);
        return rows[0] === undefined ? undefined : loadThread(rows[0].id);
      }),
    // One transaction, one deadline: a locked table or a lost server fails the batch once, at the deadline. A few
    // statements per batch (postgres-batch.ts), not one per write: a round trip each is what a commit waited on.
    apply: async (writes, options) => {
      const sql = batchSql(writes);
      if (sql !== undefined) return oneTrip(sql, options?.deadline);
      return transaction((client) => applyBatch(client, writes), options?.deadline);
    },
    revokeToken: (tokenId, expiresAt) =>
      transaction(async (client) => {
        await client.query("DELETE FROM chatwire_revoked_tokens WHERE expires_at < $1", [
          Math.floor(Date.now() / 1000),
        ]);
        await client.query(
          `INSERT INTO chatwire_revoked_tokens (token_id, expires_at) VALUES ($1, $2) ON CONFLICT (token_id)
           DO UPDATE SET expires_at = GREATEST(chatwire_revoked_tokens.expires_at, EXCLUDED.expires_at)`,
          [tokenId, Math.ceil(expiresAt)],
        );
      }),
    isTokenRevoked: (tokenId, now) =>
      retried(async () => {
        const { rowCount } = await pool.query(
          "SELECT 1 FROM chatwire_revoked_tokens WHERE token_id = $1 AND expires_at >= $2",
          [tokenId, Math.floor(now)],
        );
        return (rowCount ?? 0) > 0;
      }),
    chargeLogin: (charges, now, policy) => transaction((client) => chargeLogin(client, charges, now, policy)),
    settleLogin: (forget, refund) =>
      transaction(async (client) => {
        await client.query("DELETE FROM chatwire_login_counters WHERE counter_key = ANY($1::text[])", [forget]);
        await client.query(
          `UPDATE chatwire_login_counters SET failures = GREATEST(failures - 1, 0), locked_until = 0
           WHERE counter_key = ANY($1::text[])`,
          [refund],
        );
      }),
  };
}
