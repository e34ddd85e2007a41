// The embedded default: a SQLite file through better-sqlite3, in WAL mode. The driver is synchronous, so SQLite's
// own busy wait would stop the event loop while another process holds the write lock: instead busy_timeout is 0,
// a locked attempt fails at once and is retried on a timer (unavailable.ts). Each call is one short transaction.
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { FAVORITES_METADATA_KEY, type FavoriteRow, favoritesLimit, toFavorite } from "./favorites.ts";
import type { FileBytes } from "./files.ts";
import { threadHolder } from "./grants.ts";
import type { DataLayer, DataWrite, LockPolicy, LoginCharge } from "./layer.ts";
import { pageLimit, withElements } from "./layer.ts";
import { charged, type LoginCounter, lockedUntil, refunded } from "./login-counters.ts";
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
import { sqliteMigrations } from "./schema.ts";
import { type Checkpointer, sqliteCheckpointer } from "./sqlite-checkpoint.ts";
import { sqliteFiles } from "./sqlite-files.ts";
import { sqliteGrants } from "./sqlite-grants.ts";
import { sqliteTurns } from "./sqlite-turns.ts";
import { sqliteWrites } from "./sqlite-writes.ts";
import { DEFAULT_DATA_TIMEOUT_MS, patiently } from "./unavailable.ts";

/** Options of the SQLite layer. */
export interface SqliteOptions {
  /** The database file; its directory is created if missing. ":memory:" works too. */
  readonly path: string;
  /** "normal" (default) survives a killed process; "full" also survives power loss, at a cost per commit. */
  readonly synchronous?: "normal" | "full";
  /** How long a call waits for another connection's write lock on the file before it rejects with
   * DataUnavailableError. The event loop runs meanwhile (attempts are retried on timers). Default 5000. */
  readonly busyTimeoutMs?: number;
  /** Where files' bytes go instead of this database (`createS3FileBytes`); their rows stay here. */
  readonly fileBytes?: FileBytes | undefined;
}

const THREAD_SELECT = `SELECT t.*, u.identifier AS user_identifier FROM chatwire_threads t
  LEFT JOIN chatwire_users u ON u.id = t.user_id`;

/** SQLITE_BUSY (another connection has the lock) and its extended codes, or SQLITE_LOCKED: worth another try. */
const isBusy = (error: unknown): boolean =>
  error instanceof Database.SqliteError && /^SQLITE_(BUSY|LOCKED)/.test(error.code);

/**
 * Opens (creating if needed) a SQLite data layer. Call `migrate()` before use.
 * @example const layer = createSqliteLayer({ path: ".chatwire/chatwire.db", busyTimeoutMs: 2000 }); await layer.migrate();
 */
export function createSqliteLayer(options: SqliteOptions): DataLayer {
  if (options.path !== ":memory:") mkdirSync(dirname(options.path), { recursive: true });
  const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_DATA_TIMEOUT_MS;
  const db = new Database(options.path);
  db.pragma("journal_mode = WAL");
  db.pragma(`synchronous = ${options.synchronous === "full" ? "FULL" : "NORMAL"}`);
  db.pragma("foreign_keys = ON");
  // Never wait inside SQLite: that wait would hold the event loop. `free` waits on timers instead.
  db.pragma("busy_timeout = 0");
  // Checkpoints run in a worker thread (sqlite-checkpoint.ts); an in-memory database has no WAL to copy.
  const checkpoints: Checkpointer | undefined =
    options.path === ":memory:"
      ? undefined
      : sqliteCheckpointer(options.path, (pages) => {
          if (db.open) db.pragma(`wal_autocheckpoint = ${pages}`);
        });
  const free = <T>(run: () => T, deadline = Date.now() + busyTimeoutMs): Promise<T> =>
    patiently(run, deadline, isBusy, "the SQLite file is locked by another connection");

  // Statements are prepared lazily: they refer to tables that exist only after migrate().
  const cache = new Map<string, Database.Statement>();
  const sql = (text: string): Database.Statement => {
    let statement = cache.get(text);
    if (statement === undefined) {
      statement = db.prepare(text);
      cache.set(text, statement);
    }
    return statement;
  };
  const { insertThread, upsertUser, patchThread, applyBatch } = sqliteWrites(sql);

  // Write transactions are IMMEDIATE: a locked file then fails at BEGIN, before any work, and is retried whole.
  const applyAll = db.transaction((writes: readonly DataWrite[]) => applyBatch(writes));
  const revoke = db.transaction((tokenId: string, expiresAt: number) => {
    sql("DELETE FROM chatwire_revoked_tokens WHERE expires_at < ?").run(Math.floor(Date.now() / 1000));
    sql(`INSERT INTO chatwire_revoked_tokens (token_id, expires_at) VALUES (?, ?)
      ON CONFLICT (token_id) DO UPDATE SET expires_at = MAX(expires_at, excluded.expires_at)`).run(
      tokenId,
      Math.ceil(expiresAt),
    );
  });
  const getThread = (id: string) => {
    const row = sql(`${THREAD_SELECT} WHERE t.id = ?`).get(id) as ThreadRow | undefined;
    return row === undefined ? undefined : toThread(row);
  };
  const loadThread = (id: string) => {
    const record = getThread(id);
    if (record === undefined) return undefined;
    const { secretHash: _secret, ...thread } = record;
    const feedback = feedbackByStep(
      sql(`SELECT f.* FROM chatwire_feedbacks f JOIN chatwire_steps s ON s.id = f.for_id
        WHERE s.thread_id = ? ORDER BY f.seq`).all(id) as FeedbackRow[],
    );
    const steps = (sql("SELECT * FROM chatwire_steps WHERE thread_id = ? ORDER BY seq").all(id) as StepRow[]).map(
      (row) => toStep(row, feedback.get(row.id)),
    );
    const elements = (
      sql("SELECT * FROM chatwire_elements WHERE thread_id = ? ORDER BY seq").all(id) as ElementRow[]
    ).map(toElement);
    return { ...thread, steps: withElements(steps, elements), elements };
  };

  const counter = (key: string) =>
    sql(`SELECT failures, locked_until AS lockedUntil, updated_at AS updatedAt FROM chatwire_login_counters
      WHERE counter_key = ?`).get(key) as LoginCounter | undefined;
  const putCounter = (key: string, c: LoginCounter): void => {
    sql(`INSERT INTO chatwire_login_counters (counter_key, failures, locked_until, updated_at) VALUES (?, ?, ?, ?)
      ON CONFLICT (counter_key) DO UPDATE SET failures = excluded.failures, locked_until = excluded.locked_until,
        updated_at = excluded.updated_at`).run(key, c.failures, c.lockedUntil, c.updatedAt);
  };
  const chargeLogin = db.transaction((charges: readonly LoginCharge[], now: number, policy: LockPolicy) => {
    const counters = charges.map((charge) => counter(charge.key));
    const until = lockedUntil(counters, now);
    if (until > 0) return until;
    sql("DELETE FROM chatwire_login_counters WHERE updated_at <= ?").run(now - policy.resetAfterMs);
    charges.forEach((charge, i) => {
      putCounter(charge.key, charged(counters[i], charge, now, policy));
    });
    return 0;
  });
  const settleLogin = db.transaction((forget: readonly string[], refund: readonly string[]) => {
    for (const key of forget) sql("DELETE FROM chatwire_login_counters WHERE counter_key = ?").run(key);
    for (const key of refund) {
      const before = counter(key);
      if (before !== undefined) putCounter(key, refunded(before));
    }
  });

  const removeThread = db.transaction((id: string) => {
    sql("DELETE FROM chatwire_files WHERE thread_id = ?").run(id);
    sql("DELETE FROM chatwire_tool_grants WHERE holder = ?").run(threadHolder(id));
    return sql("DELETE FROM chatwire_threads WHERE id = ?").run(id).changes > 0;
  });

  const files = sqliteFiles(sql, free, options.fileBytes);
  return {
    kind: "sqlite",
    files,
    ...sqliteGrants(sql, free),
    turns: sqliteTurns({ sql, free: (run) => free(run) }),
    migrate: () =>
      free(() => {
        db.exec(`CREATE TABLE IF NOT EXISTS chatwire_migrations
          (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
        // IMMEDIATE takes the write lock first, so two processes migrating the same file run one after the other.
        db.transaction(() => {
          const done = new Set(
            (db.prepare("SELECT version FROM chatwire_migrations").all() as { version: number }[]).map(
              (r) => r.version,
            ),
          );
          for (const migration of sqliteMigrations) {
            if (done.has(migration.version)) continue;
            db.exec(migration.sql);
            db.prepare("INSERT INTO chatwire_migrations (version, name, applied_at) VALUES (?, ?, ?)").run(
              migration.version,
              migration.name,
              new Date().toISOString(),
            );
          }
        }).immediate();
      }),
    close: async () => {
      await checkpoints?.close();
      db.close();
    },
    upsertUser: (user) => free(() => upsertUser(user)),
    getUser: (identifier) =>
      free(() => {
        const row = sql("SELECT * FROM chatwire_users WHERE identifier = ?").get(identifier) as UserRow | undefined;
        return row === undefined ? undefined : toUser(row);
      }),
    createThread: (thread) =>
      free(() => {
        insertThread(thread);
        const record = getThread(thread.id);
        if (record === undefined) throw new Error(`thread ${thread.id} was not created`);
        return record;
      }),
    getThread: (id) => free(() => getThread(id)),
    loadThread: (id) => free(() => loadThread(id)),
    listThreads: ({ userId, search, limit, cursor }) =>
      free(() => {
        const size = pageLimit(limit);
        const pattern = search === undefined || search === "" ? null : likePattern(search);
        const rows = sql(`${THREAD_SELECT} WHERE t.user_id = @userId AND t.seq < @before
          AND (@pattern IS NULL OR t.name LIKE @pattern ESCAPE '\\') ORDER BY t.seq DESC LIMIT @take`).all({
          userId,
          before: cursor === undefined ? Number.MAX_SAFE_INTEGER : Number(cursor),
          pattern,
          take: size + 1,
        }) as ThreadRow[];
        const page = rows.slice(0, size);
        const last = page.at(-1);
        const more = rows.length > size && last !== undefined;
        return { threads: page.map(toThread), ...(more ? { nextCursor: String(last.seq) } : {}) };
      }),
    // json_each over each of the user's threads' favorite ids; only user messages still in that thread count.
    listFavorites: (userIdentifier, limit) =>
      free(() =>
        (
          sql(`SELECT s.id, s.thread_id, s.output, s.start_at FROM chatwire_threads t
            JOIN chatwire_users u ON u.id = t.user_id
            JOIN json_each(t.metadata, '$.${FAVORITES_METADATA_KEY}') f
            JOIN chatwire_steps s ON s.id = f.value AND s.thread_id = t.id
            WHERE u.identifier = ? AND s.kind = 'message' AND s.type = 'user'
            ORDER BY s.seq DESC LIMIT ?`).all(userIdentifier, favoritesLimit(limit)) as FavoriteRow[]
        ).map(toFavorite),
      ),
    updateThread: (id, patch) =>
      free(() => {
        patchThread(id, patch);
        return getThread(id);
      }),
    deleteThread: async (id) => {
      // Bytes kept elsewhere go first, with their rows; the transaction deletes any rows left.
      if (options.fileBytes !== undefined) await files.deleteThreadFiles(id);
      return free(() => removeThread.immediate(id));
    },
    setThreadShare: (threadId, shareId) =>
      free(() => {
        // COALESCE: a thread already shared keeps its link.
        const keep = shareId === null ? "?" : "COALESCE(share_id, ?)";
        sql(`UPDATE chatwire_threads SET share_id = ${keep} WHERE id = ?`).run(shareId, threadId);
        return getThread(threadId);
      }),
    getSharedThread: (shareId) =>
      free(() => {
        const row = sql("SELECT id FROM chatwire_threads WHERE share_id = ?").get(shareId) as
          | { id: string }
          | undefined;
        return row === undefined ? undefined : loadThread(row.id);
      }),
    apply: async (writes, options) => {
      await free(() => applyAll.immediate(writes), options?.deadline);
      checkpoints?.committed();
    },
    revokeToken: (tokenId, expiresAt) => free(() => revoke.immediate(tokenId, expiresAt)),
    isTokenRevoked: (tokenId, now) =>
      free(
        () =>
          sql("SELECT 1 FROM chatwire_revoked_tokens WHERE token_id = ? AND expires_at >= ?").get(tokenId, now) !==
          undefined,
      ),
    chargeLogin: (charges, now, policy) => free(() => chargeLogin.immediate(charges, now, policy)),
    settleLogin: (forget, refund) => free(() => settleLogin.immediate(forget, refund)),
  };
}
