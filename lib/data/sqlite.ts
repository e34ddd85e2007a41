// The embedded default: a SQLite file through better-sqlite3, in WAL mode. Synchronous driver, so every call runs
// to completion on the event loop; the recorder batches writes into one transaction per tick to keep that short.
import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import type { User } from "../protocol/views.ts";
import type { DataLayer, DataWrite, NewThread, StoredUser, ThreadPatch } from "./layer.ts";
import { pageLimit, withElements } from "./layer.ts";
import {
  type ElementRow,
  type FeedbackRow,
  feedbackByStep,
  likePattern,
  messageColumns,
  type StepColumns,
  type StepRow,
  stepColumns,
  type ThreadRow,
  toElement,
  toStep,
  toThread,
  toUser,
  type UserRow,
} from "./rows.ts";
import { sqliteMigrations } from "./schema.ts";

/** Options of the SQLite layer. */
export interface SqliteOptions {
  /** The database file; its directory is created if missing. ":memory:" works too. */
  readonly path: string;
  /** "normal" (default) survives a killed process; "full" also survives power loss, at a cost per commit. */
  readonly synchronous?: "normal" | "full";
}

const THREAD_SELECT = `SELECT t.*, u.identifier AS user_identifier FROM chatwire_threads t
  LEFT JOIN chatwire_users u ON u.id = t.user_id`;

/**
 * Opens (creating if needed) a SQLite data layer. Call `migrate()` before use.
 * @example const layer = createSqliteLayer({ path: ".chatwire/chatwire.db" }); await layer.migrate();
 */
export function createSqliteLayer(options: SqliteOptions): DataLayer {
  if (options.path !== ":memory:") mkdirSync(dirname(options.path), { recursive: true });
  const db = new Database(options.path);
  db.pragma("journal_mode = WAL");
  db.pragma(`synchronous = ${options.synchronous === "full" ? "FULL" : "NORMAL"}`);
  db.pragma("foreign_keys = ON");
  // Two processes on one file (e.g. `chatwire run` and a script) wait for each other instead of failing at once.
  db.pragma("busy_timeout = 5000");

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

  const insertThread = (thread: NewThread): void => {
    sql(`INSERT INTO chatwire_threads (id, created_at, name, user_id, secret_hash, tags, metadata)
      VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`).run(
      thread.id,
      new Date().toISOString(),
      thread.name ?? null,
      thread.userId ?? null,
      thread.secretHash ?? null,
      JSON.stringify(thread.tags ?? []),
      JSON.stringify(thread.metadata ?? {}),
    );
  };
  const upsertUser = (user: User): StoredUser => {
    const row = sql(`INSERT INTO chatwire_users (id, identifier, display_name, metadata, created_at)
      VALUES (?, ?, ?, ?, ?) ON CONFLICT (identifier)
      DO UPDATE SET display_name = excluded.display_name, metadata = excluded.metadata RETURNING *`).get(
      randomUUID(),
      user.identifier,
      user.displayName ?? null,
      JSON.stringify(user.metadata ?? {}),
      new Date().toISOString(),
    ) as UserRow;
    return toUser(row);
  };
  const patchThread = (id: string, patch: ThreadPatch): void => {
    sql(`UPDATE chatwire_threads SET name = COALESCE(?, name), tags = COALESCE(?, tags),
      metadata = COALESCE(?, metadata) WHERE id = ?`).run(
      patch.name ?? null,
      patch.tags === undefined ? null : JSON.stringify(patch.tags),
      patch.metadata === undefined ? null : JSON.stringify(patch.metadata),
      id,
    );
  };
  const upsertStep = (c: StepColumns): void => {
    const result = sql(`INSERT INTO chatwire_steps
      (id, thread_id, kind, name, type, parent_id, input, output, error, start_at, end_at, actions)
      VALUES (@id, @thread_id, @kind, @name, @type, @parent_id, @input, @output, @error, @start_at, @end_at, @actions)
      ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, name = excluded.name, type = excluded.type,
        parent_id = excluded.parent_id, input = excluded.input, output = excluded.output, error = excluded.error,
        start_at = excluded.start_at, end_at = excluded.end_at, actions = excluded.actions
      WHERE chatwire_steps.thread_id = excluded.thread_id`).run(c);
    if (result.changes === 0) throw new Error(`step ${c.id} belongs to another thread`);
  };
  const applyOne = (write: DataWrite): void => {
    switch (write.kind) {
      case "thread": {
        const userId = write.owner === undefined ? write.thread.userId : upsertUser(write.owner).id;
        insertThread(userId === undefined ? write.thread : { ...write.thread, userId });
        return;
      }
      case "thread_patch":
        patchThread(write.threadId, write.patch);
        return;
      case "default_name":
        sql("UPDATE chatwire_threads SET name = ? WHERE id = ? AND name IS NULL").run(write.name, write.threadId);
        return;
      case "message":
        upsertStep(messageColumns(write.threadId, write.message, write.message.actions));
        return;
      case "step":
        upsertStep(stepColumns(write.threadId, write.step));
        return;
      case "delete_step":
        sql("DELETE FROM chatwire_elements WHERE for_id = ?").run(write.id);
        sql("DELETE FROM chatwire_steps WHERE id = ?").run(write.id);
        return;
      case "feedback": {
        const f = write.feedback;
        sql(`INSERT INTO chatwire_feedbacks (id, for_id, value, comment) VALUES (?, ?, ?, ?)
          ON CONFLICT (for_id) DO UPDATE SET id = excluded.id, value = excluded.value, comment = excluded.comment`).run(
          f.id,
          f.forId,
          f.value,
          f.comment ?? null,
        );
        return;
      }
      case "delete_feedback":
        sql("DELETE FROM chatwire_feedbacks WHERE for_id = ?").run(write.forId);
        return;
      case "element": {
        const e = write.element;
        sql(`INSERT INTO chatwire_elements (id, thread_id, for_id, name, mime, url, display) VALUES (?, ?, ?, ?, ?, ?, ?)
          ON CONFLICT (id) DO UPDATE SET thread_id = excluded.thread_id, for_id = excluded.for_id,
            name = excluded.name, mime = excluded.mime, url = excluded.url, display = excluded.display`).run(
          e.id,
          write.threadId,
          e.forId ?? null,
          e.name,
          e.mime ?? null,
          e.url ?? null,
          e.display ?? null,
        );
        return;
      }
      case "delete_element":
        sql("DELETE FROM chatwire_elements WHERE id = ?").run(write.id);
        return;
      default:
        write satisfies never;
    }
  };
  const applyAll = db.transaction((writes: readonly DataWrite[]) => {
    for (const write of writes) applyOne(write);
  });
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

  return {
    kind: "sqlite",
    migrate: async () => {
      db.exec(`CREATE TABLE IF NOT EXISTS chatwire_migrations
        (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
      // IMMEDIATE takes the write lock first, so two processes migrating the same file run one after the other.
      db.transaction(() => {
        const done = new Set(
          (db.prepare("SELECT version FROM chatwire_migrations").all() as { version: number }[]).map((r) => r.version),
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
    },
    close: async () => {
      db.close();
    },
    upsertUser: async (user) => upsertUser(user),
    getUser: async (identifier) => {
      const row = sql("SELECT * FROM chatwire_users WHERE identifier = ?").get(identifier) as UserRow | undefined;
      return row === undefined ? undefined : toUser(row);
    },
    createThread: async (thread) => {
      insertThread(thread);
      const record = getThread(thread.id);
      if (record === undefined) throw new Error(`thread ${thread.id} was not created`);
      return record;
    },
    getThread: async (id) => getThread(id),
    loadThread: async (id) => {
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
    },
    listThreads: async ({ userId, search, limit, cursor }) => {
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
    },
    updateThread: async (id, patch) => {
      patchThread(id, patch);
      return getThread(id);
    },
    deleteThread: async (id) => sql("DELETE FROM chatwire_threads WHERE id = ?").run(id).changes > 0,
    apply: async (writes) => {
      applyAll(writes);
    },
    revokeToken: async (tokenId, expiresAt) => {
      revoke(tokenId, expiresAt);
    },
    isTokenRevoked: async (tokenId, now) =>
      sql("SELECT 1 FROM chatwire_revoked_tokens WHERE token_id = ? AND expires_at >= ?").get(tokenId, now) !==
      undefined,
  };
}
