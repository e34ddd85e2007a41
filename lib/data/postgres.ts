// The PostgreSQL layer (the `pg` package): for several gateway nodes sharing one database. Same tables as SQLite
// (schema.ts); migrations run under an advisory lock so nodes starting together apply each version once.
import { randomUUID } from "node:crypto";
import pg from "pg";
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
import { postgresMigrations } from "./schema.ts";

/** Options of the PostgreSQL layer. */
export interface PostgresOptions {
  /** e.g. "postgres://user:password@db:5432/chatwire" */
  readonly connectionString: string;
  /** Pool size. Default 10. */
  readonly maxConnections?: number;
}

type Queryable = Pick<pg.PoolClient, "query">;

const THREAD_SELECT = `SELECT t.*, u.identifier AS user_identifier FROM chatwire_threads t
  LEFT JOIN chatwire_users u ON u.id = t.user_id`;

const insertThread = async (db: Queryable, thread: NewThread): Promise<void> => {
  await db.query(
    `INSERT INTO chatwire_threads (id, created_at, name, user_id, secret_hash, tags, metadata)
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING`,
    [
      thread.id,
      new Date().toISOString(),
      thread.name ?? null,
      thread.userId ?? null,
      thread.secretHash ?? null,
      JSON.stringify(thread.tags ?? []),
      JSON.stringify(thread.metadata ?? {}),
    ],
  );
};

const upsertUser = async (db: Queryable, user: User): Promise<StoredUser> => {
  const { rows } = await db.query<UserRow>(
    `INSERT INTO chatwire_users (id, identifier, display_name, metadata, created_at) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (identifier) DO UPDATE SET display_name = EXCLUDED.display_name, metadata = EXCLUDED.metadata
     RETURNING *`,
    [
      randomUUID(),
      user.identifier,
      user.displayName ?? null,
      JSON.stringify(user.metadata ?? {}),
      new Date().toISOString(),
    ],
  );
  if (rows[0] === undefined) throw new Error(`user ${user.identifier} was not stored`);
  return toUser(rows[0]);
};

const patchThread = async (db: Queryable, id: string, patch: ThreadPatch): Promise<void> => {
  await db.query(
    `UPDATE chatwire_threads SET name = COALESCE($1, name), tags = COALESCE($2::jsonb, tags),
     metadata = COALESCE($3::jsonb, metadata) WHERE id = $4`,
    [
      patch.name ?? null,
      patch.tags === undefined ? null : JSON.stringify(patch.tags),
      patch.metadata === undefined ? null : JSON.stringify(patch.metadata),
      id,
    ],
  );
};

const upsertStep = async (db: Queryable, c: StepColumns): Promise<void> => {
  const result = await db.query(
    `INSERT INTO chatwire_steps
     (id, thread_id, kind, name, type, parent_id, input, output, error, start_at, end_at, actions)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
     ON CONFLICT (id) DO UPDATE SET kind = EXCLUDED.kind, name = EXCLUDED.name, type = EXCLUDED.type,
       parent_id = EXCLUDED.parent_id, input = EXCLUDED.input, output = EXCLUDED.output, error = EXCLUDED.error,
       start_at = EXCLUDED.start_at, end_at = EXCLUDED.end_at, actions = EXCLUDED.actions
     WHERE chatwire_steps.thread_id = EXCLUDED.thread_id`,
    [
      c.id,
      c.thread_id,
      c.kind,
      c.name,
      c.type,
      c.parent_id,
      c.input,
      c.output,
      c.error,
      c.start_at,
      c.end_at,
      c.actions,
    ],
  );
  if (result.rowCount === 0) throw new Error(`step ${c.id} belongs to another thread`);
};

const applyOne = async (db: Queryable, write: DataWrite): Promise<void> => {
  switch (write.kind) {
    case "thread": {
      const userId = write.owner === undefined ? write.thread.userId : (await upsertUser(db, write.owner)).id;
      return insertThread(db, userId === undefined ? write.thread : { ...write.thread, userId });
    }
    case "thread_patch":
      return patchThread(db, write.threadId, write.patch);
    case "default_name":
      await db.query("UPDATE chatwire_threads SET name = $1 WHERE id = $2 AND name IS NULL", [
        write.name,
        write.threadId,
      ]);
      return;
    case "message":
      return upsertStep(db, messageColumns(write.threadId, write.message, write.message.actions));
    case "step":
      return upsertStep(db, stepColumns(write.threadId, write.step));
    case "delete_step":
      await db.query("DELETE FROM chatwire_elements WHERE for_id = $1", [write.id]);
      await db.query("DELETE FROM chatwire_steps WHERE id = $1", [write.id]);
      return;
    case "feedback": {
      const f = write.feedback;
      await db.query(
        `INSERT INTO chatwire_feedbacks (id, for_id, value, comment) VALUES ($1, $2, $3, $4)
         ON CONFLICT (for_id) DO UPDATE SET id = EXCLUDED.id, value = EXCLUDED.value, comment = EXCLUDED.comment`,
        [f.id, f.forId, f.value, f.comment ?? null],
      );
      return;
    }
    case "delete_feedback":
      await db.query("DELETE FROM chatwire_feedbacks WHERE for_id = $1", [write.forId]);
      return;
    case "element": {
      const e = write.element;
      await db.query(
        `INSERT INTO chatwire_elements (id, thread_id, for_id, name, mime, url, display)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (id) DO UPDATE SET thread_id = EXCLUDED.thread_id, for_id = EXCLUDED.for_id,
           name = EXCLUDED.name, mime = EXCLUDED.mime, url = EXCLUDED.url, display = EXCLUDED.display`,
        [e.id, write.threadId, e.forId ?? null, e.name, e.mime ?? null, e.url ?? null, e.display ?? null],
      );
      return;
    }
    case "delete_element":
      await db.query("DELETE FROM chatwire_elements WHERE id = $1", [write.id]);
      return;
    default:
      return write satisfies never;
  }
};

/**
 * Connects a PostgreSQL data layer (a pool; connections open on first use). Call `migrate()` before use.
 * @example const layer = createPostgresLayer({ connectionString: process.env.DATABASE_URL ?? "" });
 */
export function createPostgresLayer(options: PostgresOptions): DataLayer {
  const pool = new pg.Pool({ connectionString: options.connectionString, max: options.maxConnections ?? 10 });
  // An idle client that loses its connection emits "error" on the pool; without a listener that kills the process.
  pool.on("error", () => {});

  const transaction = async (run: (client: pg.PoolClient) => Promise<void>): Promise<void> => {
    const client = await pool.connect();
    try {
      await client.query("BEGIN");
      await run(client);
      await client.query("COMMIT");
    } catch (error) {
      await client.query("ROLLBACK").catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  };
  const getThread = async (id: string) => {
    const { rows } = await pool.query<ThreadRow>(`${THREAD_SELECT} WHERE t.id = $1`, [id]);
    return rows[0] === undefined ? undefined : toThread(rows[0]);
  };

  return {
    kind: "postgres",
    migrate: () =>
      transaction(async (client) => {
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
      }),
    close: () => pool.end(),
    upsertUser: (user) => upsertUser(pool, user),
    getUser: async (identifier) => {
      const { rows } = await pool.query<UserRow>("SELECT * FROM chatwire_users WHERE identifier = $1", [identifier]);
      return rows[0] === undefined ? undefined : toUser(rows[0]);
    },
    createThread: async (thread) => {
      await insertThread(pool, thread);
      const record = await getThread(thread.id);
      if (record === undefined) throw new Error(`thread ${thread.id} was not created`);
      return record;
    },
    getThread,
    loadThread: async (id) => {
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
    },
    listThreads: async ({ userId, search, limit, cursor }) => {
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
    },
    updateThread: async (id, patch) => {
      await patchThread(pool, id, patch);
      return getThread(id);
    },
    deleteThread: async (id) => {
      const result = await pool.query("DELETE FROM chatwire_threads WHERE id = $1", [id]);
      return (result.rowCount ?? 0) > 0;
    },
    apply: (writes) =>
      transaction(async (client) => {
        for (const write of writes) await applyOne(client, write);
      }),
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
    isTokenRevoked: async (tokenId, now) => {
      const { rowCount } = await pool.query(
        "SELECT 1 FROM chatwire_revoked_tokens WHERE token_id = $1 AND expires_at >= $2",
        [tokenId, Math.floor(now)],
      );
      return (rowCount ?? 0) > 0;
    },
  };
}
