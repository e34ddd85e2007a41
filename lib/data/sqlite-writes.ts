// The SQLite layer's write statements: one function per DataWrite kind, run inside the layer's transactions.
// Synchronous (better-sqlite3); statements come from the layer's cache of prepared statements.
import { randomUUID } from "node:crypto";
import type { JsonObject, User } from "../protocol/views.ts";
import type { DataWrite, NewThread, StoredUser, ThreadPatch } from "./layer.ts";
import { patchedMetadata } from "./metadata-keys.ts";
import { messageColumns, type StepColumns, stepColumns, toUser, type UserRow } from "./rows.ts";

/** The prepared statement for a SQL text, made once. */
/** What the writes need of a better-sqlite3 statement, stated here so that chatwire's declarations do not name its types. */
export interface Statement {
  run(...parameters: unknown[]): { readonly changes: number };
  get(...parameters: unknown[]): unknown;
  all(...parameters: unknown[]): unknown[];
}
export type StatementCache = (text: string) => Statement;

/** The write statements over one connection's statement cache. */
export function sqliteWrites(sql: StatementCache) {
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
  /** The metadata a patch leaves: with metadataKeys, the stored one read and changed in the caller's transaction
   * (no other writer comes between). */
  const metadataOf = (id: string, patch: ThreadPatch): JsonObject | undefined => {
    if (patch.metadataKeys === undefined) return patch.metadata;
    const row = sql("SELECT metadata FROM chatwire_threads WHERE id = ?").get(id) as { metadata: string } | undefined;
    return row === undefined ? undefined : patchedMetadata(JSON.parse(row.metadata) as JsonObject, patch);
  };
  const patchThread = (id: string, patch: ThreadPatch): void => {
    const metadata = metadataOf(id, patch);
    sql(`UPDATE chatwire_threads SET name = COALESCE(?, name), tags = COALESCE(?, tags),
      metadata = COALESCE(?, metadata) WHERE id = ?`).run(
      patch.name ?? null,
      patch.tags === undefined ? null : JSON.stringify(patch.tags),
      metadata === undefined ? null : JSON.stringify(metadata),
      id,
    );
  };
  // Positional parameters: better-sqlite3 binds an object's named ones by looking each name up from C++, which
  // cost more than the statement's own work for these rows (issue 19).
  const upsertStep = (c: StepColumns): void => {
    const result = sql(`INSERT INTO chatwire_steps
      (id, thread_id, kind, name, type, parent_id, input, output, error, start_at, end_at, actions, stopped, icon,
        recovered)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, name = excluded.name, type = excluded.type,
        parent_id = excluded.parent_id, input = excluded.input, output = excluded.output, error = excluded.error,
        start_at = excluded.start_at, end_at = excluded.end_at, actions = excluded.actions, stopped = excluded.stopped,
        icon = excluded.icon, recovered = excluded.recovered
      WHERE chatwire_steps.thread_id = excluded.thread_id`).run(
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
    );
    if (result.changes === 0) throw new Error(`step ${c.id} belongs to another thread`);
  };
  const applyOne = (write: DataWrite | TurnStartEnd): void => {
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
        sql(`INSERT INTO chatwire_elements (id, thread_id, for_id, name, mime, url, display, kind, props)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
          ON CONFLICT (id) DO UPDATE SET thread_id = excluded.thread_id, for_id = excluded.for_id,
            name = excluded.name, mime = excluded.mime, url = excluded.url, display = excluded.display,
            kind = excluded.kind, props = excluded.props`).run(
          e.id,
          write.threadId,
          e.forId ?? null,
          e.name,
          e.mime ?? null,
          e.url ?? null,
          e.display ?? null,
          e.kind ?? null,
          e.props === undefined ? null : JSON.stringify(e.props),
        );
        return;
      }
      case "delete_element":
        sql("DELETE FROM chatwire_elements WHERE id = ?").run(write.id);
        return;
      case "turn_start": {
        const t = write.turn;
        sql(`INSERT INTO chatwire_turns (id, thread_id, input, node_id, state, attempts, started_at)
          VALUES (?, ?, ?, ?, 'running', 1, ?) ON CONFLICT (id) DO NOTHING`).run(
          t.id,
          t.threadId,
          JSON.stringify(t.input),
          t.nodeId,
          t.startedAt,
        );
        return;
      }
      case "turn_start_end": {
        // What turn_start then turn_end would leave, in one statement (an existing row only gets the end).
        const { turn: t, end } = write;
        sql(`INSERT INTO chatwire_turns (id, thread_id, input, node_id, state, attempts, started_at, reason, ended_at)
          VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?) ON CONFLICT (id)
          DO UPDATE SET state = excluded.state, reason = excluded.reason, ended_at = excluded.ended_at`).run(
          t.id,
          t.threadId,
          JSON.stringify(t.input),
          t.nodeId,
          end.state,
          t.startedAt,
          end.reason ?? null,
          new Date().toISOString(),
        );
        return;
      }
      case "turn_end":
        sql(`UPDATE chatwire_turns SET state = ?, reason = ?, ended_at = ?
          WHERE id = ? AND (? IS NULL OR node_id = ?)`).run(
          write.state,
          write.reason ?? null,
          new Date().toISOString(),
          write.id,
          write.nodeId ?? null,
          write.nodeId ?? null,
        );
        return;
      case "turn_step":
        sql(`INSERT INTO chatwire_turn_steps (turn_id, place, output) VALUES (?, ?, ?)
          ON CONFLICT (turn_id, place) DO UPDATE SET output = excluded.output`).run(
          write.turnId,
          write.place,
          write.output,
        );
        return;
      default:
        write satisfies never;
    }
  };
  /** Ends, in one statement per (reason, node), the rows that `ends` may have stored already: most often none. */
  const endStoredAlready = (ends: readonly TurnEnd[]): void => {
    const groups = new Map<string, { reason: string | null; nodeId: string | null; ids: string[] }>();
    for (const end of ends) {
      const reason = end.reason ?? null;
      const nodeId = end.nodeId ?? null;
      const key = `${reason}\n${nodeId}`;
      const group = groups.get(key) ?? { reason, nodeId, ids: [] };
      if (group.ids.length === 0) groups.set(key, group);
      group.ids.push(end.id);
    }
    const at = new Date().toISOString();
    for (const { reason, nodeId, ids } of groups.values())
      sql(`UPDATE chatwire_turns SET state = 'done', reason = ?, ended_at = ?
        WHERE id IN (SELECT value FROM json_each(?)) AND (? IS NULL OR node_id = ?)`).run(
        reason,
        at,
        JSON.stringify(ids),
        nodeId,
        nodeId,
      );
  };
  /** Applies a batch in order, inside the caller's transaction. A turn that ends in the batch that starts it (a
   * quick turn: its start, messages and end are recorded in one tick) is written once, already ended: its end
   * would otherwise update the row and move its entries in the turn indexes, in the same commit. One that ends
   * `done` there, with no step stored in the batch, is not written at all: only live turns are ever read (to be
   * recovered), and this one was never live in any commit (docs/durability.md#the-record). Its end still runs, as
   * an update: it ends a row stored already (the same start written twice), and finds nothing otherwise. Those
   * updates run last, one statement for all of them (by reason and node): each alone was a statement that found no
   * row for most turns of a busy gateway (issue 19); nothing later in the batch reads or changes those rows (every
   * end of a turn started in the batch is folded into its start). */
  const applyBatch = (writes: readonly DataWrite[]): void => {
    const ends = endsAfterStart(writes);
    const started = new Set<string>();
    let quiet: TurnEnd[] | undefined;
    for (const write of writes) {
      if (write.kind === "turn_start") {
        const end = ends.get(write.turn.id);
        if (end === undefined) applyOne(write);
        else {
          started.add(write.turn.id);
          if (end.state === "done" && !end.stepped) {
            quiet ??= [];
            quiet.push(end.write);
          } else applyOne({ kind: "turn_start_end", turn: write.turn, end: end.write });
        }
      } else if (write.kind !== "turn_end" || !started.has(write.id)) applyOne(write);
    }
    if (quiet !== undefined) endStoredAlready(quiet);
  };
  return { insertThread, upsertUser, patchThread, applyOne, applyBatch };
}

type TurnEnd = Extract<DataWrite, { kind: "turn_end" }>;
type TurnStart = Extract<DataWrite, { kind: "turn_start" }>;
/** A turn started and ended in one batch. */
interface TurnStartEnd {
  readonly kind: "turn_start_end";
  readonly turn: TurnStart["turn"];
  readonly end: TurnEnd;
}

/** A turn's last end in a batch that starts it, and whether a step of it is stored in the batch too. */
interface EndInBatch {
  readonly write: TurnEnd;
  readonly state: TurnEnd["state"];
  readonly stepped: boolean;
}

/** The last end of each turn whose start comes before it in `writes`, by turn id. Most batches hold no turn
 * write at all, or starts and ends only: then nothing more is allocated than the map. */
function endsAfterStart(writes: readonly DataWrite[]): Map<string, EndInBatch> {
  const ends = new Map<string, EndInBatch>();
  let starts: Set<string> | undefined;
  let stepped: Set<string> | undefined;
  for (const write of writes) {
    if (write.kind === "turn_start") {
      starts ??= new Set();
      starts.add(write.turn.id);
    } else if (write.kind === "turn_step") {
      stepped ??= new Set();
      stepped.add(write.turnId);
    } else if (write.kind === "turn_end" && starts?.has(write.id) === true)
      ends.set(write.id, { write, state: write.state, stepped: stepped?.has(write.id) === true });
  }
  return ends;
}
