// The PostgreSQL layer's write statements: one function per DataWrite kind, run on a pooled client inside the
// layer's transactions (or on the pool itself for single statements). A batch runs here only the writes it cannot
// combine (patches, deletes, feedback); postgres-batch.ts writes the others a kind at a time.
import { randomUUID } from "node:crypto";
import type { User } from "../protocol/views.ts";
import type { DataWrite, NewThread, StoredUser, ThreadPatch } from "./layer.ts";
import { messageColumns, type StepColumns, stepColumns, toUser, type UserRow } from "./rows.ts";

/** What the writes need of a pg pool or a client checked out of it, stated here so that chatwire's declarations do not name pg's. */
export interface Queryable {
  query<Row extends object = Record<string, unknown>>(
    text: string,
    values?: readonly unknown[],
  ): Promise<{ readonly rows: Row[]; readonly rowCount: number | null }>;
}

export const insertThread = async (db: Queryable, thread: NewThread): Promise<void> => {
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

export const upsertUser = async (db: Queryable, user: User): Promise<StoredUser> => {
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

export const patchThread = async (db: Queryable, id: string, patch: ThreadPatch): Promise<void> => {
  await db.query(
    // With metadataKeys: the named keys removed, then set (jsonb's || replaces top-level keys whole).
    `UPDATE chatwire_threads SET name = COALESCE($1, name), tags = COALESCE($2::jsonb, tags),
     metadata = CASE WHEN $5::jsonb IS NULL THEN COALESCE($3::jsonb, metadata)
       ELSE (metadata - $6::text[]) || $5::jsonb END WHERE id = $4`,
    [
      patch.name ?? null,
      patch.tags === undefined ? null : JSON.stringify(patch.tags),
      patch.metadata === undefined ? null : JSON.stringify(patch.metadata),
      id,
      patch.metadataKeys === undefined ? null : JSON.stringify(patch.metadataKeys.set),
      patch.metadataKeys === undefined ? [] : [...patch.metadataKeys.unset],
    ],
  );
};

const upsertStep = async (db: Queryable, c: StepColumns): Promise<void> => {
  const result = await db.query(
    `INSERT INTO chatwire_steps
     (id, thread_id, kind, name, type, parent_id, input, output, error, start_at, end_at, actions, stopped, icon,
       recovered)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
     ON CONFLICT (id) DO UPDATE SET kind = EXCLUDED.kind, name = EXCLUDED.name, type = EXCLUDED.type,
       parent_id = EXCLUDED.parent_id, input = EXCLUDED.input, output = EXCLUDED.output, error = EXCLUDED.error,
       start_at = EXCLUDED.start_at, end_at = EXCLUDED.end_at, actions = EXCLUDED.actions, stopped = EXCLUDED.stopped,
       icon = EXCLUDED.icon, recovered = EXCLUDED.recovered
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
      c.stopped,
      c.icon,
      c.recovered,
    ],
  );
  if (result.rowCount === 0) throw new Error(`step ${c.id} belongs to another thread`);
};

export const applyOne = async (db: Queryable, write: DataWrite): Promise<void> => {
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
        `INSERT INTO chatwire_elements (id, thread_id, for_id, name, mime, url, display, kind, props)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (id) DO UPDATE SET thread_id = EXCLUDED.thread_id, for_id = EXCLUDED.for_id,
           name = EXCLUDED.name, mime = EXCLUDED.mime, url = EXCLUDED.url, display = EXCLUDED.display,
           kind = EXCLUDED.kind, props = EXCLUDED.props`,
        [
          e.id,
          write.threadId,
          e.forId ?? null,
          e.name,
          e.mime ?? null,
          e.url ?? null,
          e.display ?? null,
          e.kind ?? null,
          e.props === undefined ? null : JSON.stringify(e.props),
        ],
      );
      return;
    }
    case "delete_element":
      await db.query("DELETE FROM chatwire_elements WHERE id = $1", [write.id]);
      return;
    case "turn_start": {
      const t = write.turn;
      await db.query(
        `INSERT INTO chatwire_turns (id, thread_id, input, node_id, state, attempts, started_at)
         VALUES ($1, $2, $3, $4, 'running', 1, $5) ON CONFLICT (id) DO NOTHING`,
        [t.id, t.threadId, JSON.stringify(t.input), t.nodeId, t.startedAt],
      );
      return;
    }
    case "turn_end":
      await db.query(
        `UPDATE chatwire_turns SET state = $1, reason = $2, ended_at = $3
         WHERE id = $4 AND ($5::text IS NULL OR node_id = $5)`,
        [write.state, write.reason ?? null, new Date().toISOString(), write.id, write.nodeId ?? null],
      );
      return;
    case "turn_step":
      await db.query(
        `INSERT INTO chatwire_turn_steps (turn_id, place, output) VALUES ($1, $2, $3)
         ON CONFLICT (turn_id, place) DO UPDATE SET output = EXCLUDED.output`,
        [write.turnId, write.place, write.output],
      );
      return;
    default:
      return write satisfies never;
  }
};
