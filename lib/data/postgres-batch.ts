// A batch of writes in a few statements instead of one per write: the PostgreSQL layer's `apply` plans the batch as
// segments, and a segment takes one multi-row statement per kind of write, its rows read by jsonb_to_recordset from
// one escaped literal; a batch of segments only is one SQL text, one round trip. Within a segment the
// kinds run in a fixed order — owners, threads, default names, messages and steps, elements, turn starts, turn
// steps, turn ends — and a write that would be moved before an earlier write it depends on (or that touches the
// same row) starts a new segment instead, so the outcome is the one of applying the writes one after the other.
// Rarer writes (patches, deletes, feedback) run alone, in their place, between segments.
import { randomUUID } from "node:crypto";
import pg from "pg";
import type { User } from "../protocol/views.ts";
import type { DataWrite, NewThread, StoredElement } from "./layer.ts";
import { applyOne, type Queryable } from "./postgres-writes.ts";
import { messageColumns, type StepColumns, stepColumns } from "./rows.ts";

/** The kinds a segment combines, in the order their statements run. */
const RANK = {
  thread: 1,
  default_name: 2,
  message: 3,
  step: 3,
  element: 4,
  turn_start: 5,
  turn_step: 6,
  turn_end: 7,
} as const;

type Combined = Extract<DataWrite, { kind: keyof typeof RANK }>;

const isCombined = (write: DataWrite): write is Combined => write.kind in RANK;

interface TurnStartRow {
  readonly id: string;
  readonly threadId: string;
  readonly input: unknown;
  readonly nodeId: string;
  readonly startedAt: string;
}

/** What one segment writes, deduplicated by key: Map keeps a key's first place, as a row keeps its first seq. */
class Segment {
  readonly owners = new Map<string, User>();
  readonly threads = new Map<string, { thread: NewThread; owner: string | undefined }>();
  readonly names = new Map<string, string>();
  readonly steps = new Map<string, StepColumns>();
  readonly elements = new Map<string, { threadId: string; element: StoredElement }>();
  readonly turnStarts = new Map<string, TurnStartRow>();
  readonly turnSteps = new Map<string, { turnId: string; place: string; output: string | null }>();
  readonly turnEnds = new Map<
    string,
    { state: string; reason: string | null; endedAt: string; nodeId: string | null }
  >();
  /** For each key a write of the segment uses or changes, the highest rank among those writes. */
  readonly #laterRank = new Map<string, number>();

  /** Whether `write` can join: nothing already here that runs after it depends on what it provides or changes. */
  accepts(write: Combined): boolean {
    const rank = RANK[write.kind];
    return changedKeys(write).every((key) => (this.#laterRank.get(key) ?? 0) <= rank);
  }

  add(write: Combined): void {
    const rank = RANK[write.kind];
    for (const key of [...changedKeys(write), ...usedKeys(write)])
      this.#laterRank.set(key, Math.max(rank, this.#laterRank.get(key) ?? 0));
    switch (write.kind) {
      case "thread":
        if (write.owner !== undefined) this.owners.set(write.owner.identifier, write.owner);
        // ON CONFLICT DO NOTHING: the first creation of a thread is the one that counts.
        if (!this.threads.has(write.thread.id))
          this.threads.set(write.thread.id, { thread: write.thread, owner: write.owner?.identifier });
        return;
      case "default_name":
        // Only a nameless thread is named: after the first, the others change nothing.
        if (!this.names.has(write.threadId)) this.names.set(write.threadId, write.name);
        return;
      case "message":
      case "step": {
        const columns =
          write.kind === "message"
            ? messageColumns(write.threadId, write.message, write.message.actions)
            : stepColumns(write.threadId, write.step);
        const earlier = this.steps.get(columns.id);
        // One after the other, the second of two writes of one id for different threads would be refused.
        if (earlier !== undefined && earlier.thread_id !== columns.thread_id)
          throw new Error(`step ${columns.id} belongs to another thread`);
        this.steps.set(columns.id, columns);
        return;
      }
      case "element":
        this.elements.set(write.element.id, { threadId: write.threadId, element: write.element });
        return;
      case "turn_start":
        if (!this.turnStarts.has(write.turn.id)) this.turnStarts.set(write.turn.id, write.turn);
        return;
      case "turn_step":
        this.turnSteps.set(`${write.turnId}\u0000${write.place}`, write);
        return;
      case "turn_end":
        this.turnEnds.set(write.id, {
          state: write.state,
          reason: write.reason ?? null,
          endedAt: new Date().toISOString(),
          nodeId: write.nodeId ?? null,
        });
        return;
      default:
        write satisfies never;
    }
  }
}

/** The rows (or a thread's name) a write creates or changes: what later writes may depend on. */
function changedKeys(write: Combined): string[] {
  switch (write.kind) {
    case "thread":
      return [`thread:${write.thread.id}`, `name:${write.thread.id}`];
    case "default_name":
      return [`name:${write.threadId}`];
    case "message":
      return [`step:${write.message.id}`];
    case "step":
      return [`step:${write.step.id}`];
    case "element":
      return [`element:${write.element.id}`];
    case "turn_start":
      return [`turn:${write.turn.id}`];
    case "turn_step":
      return [`turn_step:${write.turnId}\u0000${write.place}`];
    case "turn_end":
      return [`turn:${write.id}`];
    default:
      return write satisfies never;
  }
}

/** The rows a write needs to exist (its foreign keys). */
function usedKeys(write: Combined): string[] {
  switch (write.kind) {
    case "default_name":
    case "message":
    case "step":
    case "element":
      return [`thread:${write.threadId}`];
    case "turn_start":
      return [`thread:${write.turn.threadId}`];
    case "turn_step":
      return [`turn:${write.turnId}`];
    default:
      return [];
  }
}

/** The batch in its order: segments of combined writes, and the writes that run alone. */
function plan(writes: readonly DataWrite[]): (Segment | DataWrite)[] {
  const parts: (Segment | DataWrite)[] = [];
  let segment: Segment | undefined;
  for (const write of writes) {
    if (!isCombined(write)) {
      parts.push(write);
      segment = undefined;
      continue;
    }
    if (segment === undefined || !segment.accepts(write)) {
      segment = new Segment();
      parts.push(segment);
    }
    segment.add(write);
  }
  return parts;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** A lone surrogate as U+FFFD, as a query parameter's UTF-8 encoding stored it: JSON would escape it, and jsonb
 * refuses the escape. */
const wellFormed = (_key: string, value: unknown): unknown =>
  typeof value === "string" ? value.replace(LONE_SURROGATE, "\ufffd") : value;

/** Rows as one SQL literal (a JSON array, for jsonb_to_recordset), each with its place in the batch as `ord`. */
function rowsLiteral(rows: readonly Record<string, string | null>[]): string {
  return `${pg.escapeLiteral(
    JSON.stringify(
      rows.map((row, ord) => ({ ...row, ord })),
      wellFormed,
    ),
  )}::jsonb`;
}

/** A jsonb_to_recordset of `rows` with text columns `names`, in the batch's order. */
const recordset = (rows: readonly Record<string, string | null>[], names: readonly string[], alias: string) =>
  `(SELECT * FROM jsonb_to_recordset(${rowsLiteral(rows)}) AS r(ord int, ${names.map((n) => `${n} text`).join(", ")})
   ORDER BY ord) AS ${alias}`;

const STEP_COLUMNS = [
  "id",
  "thread_id",
  "kind",
  "name",
  "type",
  "parent_id",
  "input",
  "output",
  "error",
  "start_at",
  "end_at",
  "actions",
  "stopped",
  "icon",
  "recovered",
] as const;

function threadStatements(segment: Segment): string[] {
  if (segment.threads.size === 0) return [];
  const now = new Date().toISOString();
  const owners = [...segment.owners.values()].map((u) => ({
    id: randomUUID(),
    identifier: u.identifier,
    display_name: u.displayName ?? null,
    metadata: JSON.stringify(u.metadata ?? {}),
  }));
  const threads = [...segment.threads.values()].map(({ thread, owner }) => ({
    id: thread.id,
    name: thread.name ?? null,
    user_id: thread.userId ?? null,
    owner: owner ?? null,
    secret_hash: thread.secretHash ?? null,
    tags: JSON.stringify(thread.tags ?? []),
    metadata: JSON.stringify(thread.metadata ?? {}),
  }));
  const ownersFirst =
    owners.length === 0
      ? []
      : [
          `INSERT INTO chatwire_users (id, identifier, display_name, metadata, created_at)
           SELECT u.id, u.identifier, u.display_name, u.metadata::jsonb, '${now}'
           FROM ${recordset(owners, ["id", "identifier", "display_name", "metadata"], "u")} ORDER BY u.ord
           ON CONFLICT (identifier) DO UPDATE SET display_name = EXCLUDED.display_name, metadata = EXCLUDED.metadata`,
        ];
  return [
    ...ownersFirst,
    // An owner's id replaces the thread's userId, as upsertUser's did one write at a time.
    `INSERT INTO chatwire_threads (id, created_at, name, user_id, secret_hash, tags, metadata)
     SELECT t.id, '${now}', t.name,
       CASE WHEN t.owner IS NULL THEN t.user_id ELSE (SELECT id FROM chatwire_users WHERE identifier = t.owner) END,
       t.secret_hash, t.tags::jsonb, t.metadata::jsonb
     FROM ${recordset(threads, ["id", "name", "user_id", "owner", "secret_hash", "tags", "metadata"], "t")} ORDER BY t.ord
     ON CONFLICT (id) DO NOTHING`,
  ];
}

function nameStatements(names: ReadonlyMap<string, string>): string[] {
  if (names.size === 0) return [];
  const rows = Array.from(names, ([id, name]) => ({ id, name }));
  return [
    `UPDATE chatwire_threads t SET name = n.name FROM ${recordset(rows, ["id", "name"], "n")}
     WHERE t.id = n.id AND t.name IS NULL`,
  ];
}

// A step whose id another thread holds is refused, as one write at a time: the upsert skips it (WHERE), and the
// statement fails on what it skipped.
function stepStatements(steps: ReadonlyMap<string, StepColumns>): string[] {
  if (steps.size === 0) return [];
  const rows = [...steps.values()].map((c) => ({ ...c, recovered: c.recovered === null ? null : String(c.recovered) }));
  const values = STEP_COLUMNS.map((name) =>
    name === "actions" ? "s.actions::jsonb" : name === "recovered" ? "s.recovered::smallint" : `s.${name}`,
  ).join(", ");
  return [
    `WITH s AS (SELECT * FROM ${recordset(rows, STEP_COLUMNS, "r")}),
     written AS (INSERT INTO chatwire_steps (${STEP_COLUMNS.join(", ")}) SELECT ${values} FROM s ORDER BY s.ord
       ON CONFLICT (id) DO UPDATE SET kind = EXCLUDED.kind, name = EXCLUDED.name, type = EXCLUDED.type,
         parent_id = EXCLUDED.parent_id, input = EXCLUDED.input, output = EXCLUDED.output, error = EXCLUDED.error,
         start_at = EXCLUDED.start_at, end_at = EXCLUDED.end_at, actions = EXCLUDED.actions,
         stopped = EXCLUDED.stopped, icon = EXCLUDED.icon, recovered = EXCLUDED.recovered
       WHERE chatwire_steps.thread_id = EXCLUDED.thread_id
       RETURNING id)
     SELECT chatwire_refuse('step ' || s.id || ' belongs to another thread') FROM s
     WHERE s.id NOT IN (SELECT id FROM written)`,
  ];
}

function elementStatements(segment: Segment): string[] {
  if (segment.elements.size === 0) return [];
  const rows = Array.from(segment.elements.values(), ({ threadId, element: e }) => ({
    id: e.id,
    thread_id: threadId,
    for_id: e.forId ?? null,
    name: e.name,
    mime: e.mime ?? null,
    url: e.url ?? null,
    display: e.display ?? null,
    kind: e.kind ?? null,
    props: e.props === undefined ? null : JSON.stringify(e.props),
  }));
  const names = ["id", "thread_id", "for_id", "name", "mime", "url", "display", "kind", "props"];
  return [
    `INSERT INTO chatwire_elements (${names.join(", ")})
     SELECT e.id, e.thread_id, e.for_id, e.name, e.mime, e.url, e.display, e.kind, e.props::jsonb
     FROM ${recordset(rows, names, "e")} ORDER BY e.ord
     ON CONFLICT (id) DO UPDATE SET thread_id = EXCLUDED.thread_id, for_id = EXCLUDED.for_id,
       name = EXCLUDED.name, mime = EXCLUDED.mime, url = EXCLUDED.url, display = EXCLUDED.display,
       kind = EXCLUDED.kind, props = EXCLUDED.props`,
  ];
}

function turnStatements(segment: Segment): string[] {
  const statements: string[] = [];
  // A turn that ends `done` in the segment that starts it, with no step stored in it, is not inserted (as on
  // SQLite, sqlite-writes.ts): it was never live in any commit, and only live turns are read. Its end's update
  // still runs: it ends a row stored already, and finds nothing otherwise.
  const stepped = new Set(Array.from(segment.turnSteps.values(), (s) => s.turnId));
  const inserted = [...segment.turnStarts.values()].filter(
    (t) => segment.turnEnds.get(t.id)?.state !== "done" || stepped.has(t.id),
  );
  if (inserted.length > 0) {
    const rows = inserted.map((t) => ({
      id: t.id,
      thread_id: t.threadId,
      input: JSON.stringify(t.input) ?? null,
      node_id: t.nodeId,
      started_at: t.startedAt,
    }));
    statements.push(
      `INSERT INTO chatwire_turns (id, thread_id, input, node_id, state, attempts, started_at)
       SELECT t.id, t.thread_id, t.input::jsonb, t.node_id, 'running', 1, t.started_at
       FROM ${recordset(rows, ["id", "thread_id", "input", "node_id", "started_at"], "t")}
       ON CONFLICT (id) DO NOTHING`,
    );
  }
  if (segment.turnSteps.size > 0) {
    const rows = Array.from(segment.turnSteps.values(), (s) => ({
      turn_id: s.turnId,
      place: s.place,
      output: s.output,
    }));
    statements.push(
      `INSERT INTO chatwire_turn_steps (turn_id, place, output)
       SELECT s.turn_id, s.place, s.output FROM ${recordset(rows, ["turn_id", "place", "output"], "s")}
       ON CONFLICT (turn_id, place) DO UPDATE SET output = EXCLUDED.output`,
    );
  }
  if (segment.turnEnds.size > 0) {
    const rows = Array.from(segment.turnEnds, ([id, e]) => ({
      id,
      state: e.state,
      reason: e.reason,
      ended_at: e.endedAt,
      node_id: e.nodeId,
    }));
    statements.push(
      `UPDATE chatwire_turns t SET state = e.state, reason = e.reason, ended_at = e.ended_at
       FROM ${recordset(rows, ["id", "state", "reason", "ended_at", "node_id"], "e")}
       WHERE t.id = e.id AND (e.node_id IS NULL OR t.node_id = e.node_id)`,
    );
  }
  return statements;
}

/** A segment's statements, in their order. */
const segmentStatements = (segment: Segment): string[] => [
  ...threadStatements(segment),
  ...nameStatements(segment.names),
  ...stepStatements(segment.steps),
  ...elementStatements(segment),
  ...turnStatements(segment),
];

/**
 * The whole batch as one SQL text (no parameters: its data are literals) when every write of it can be combined:
 * sent as one simple query, it is one round trip and its own transaction. Undefined when some write must run alone.
 * Throws for a batch that would fail anyway (one message id for two threads).
 * @example const sql = batchSql(writes); if (sql !== undefined) await client.query(sql);
 */
export function batchSql(writes: readonly DataWrite[]): string | undefined {
  const parts = plan(writes);
  if (!parts.every((part) => part instanceof Segment)) return undefined;
  return parts.flatMap((part) => (part instanceof Segment ? segmentStatements(part) : [])).join(";\n");
}

/**
 * Applies `writes` in order, inside the caller's transaction, in a few statements (the writes that run alone, one
 * each): as if one by one, and like that it throws when the database refuses one (the caller rolls back).
 * @example await transaction((client) => applyBatch(client, writes));
 */
export async function applyBatch(db: Queryable, writes: readonly DataWrite[]): Promise<void> {
  for (const part of plan(writes)) {
    if (part instanceof Segment) await db.query(segmentStatements(part).join(";\n"));
    else await applyOne(db, part);
  }
}
