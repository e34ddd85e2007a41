// Rows of the SQL layers (SQLite and PostgreSQL share one table layout) and their mapping to and from records.
// Messages and steps share the steps table, as in Chainlit: `kind` tells them apart.
import type {
  ActionView,
  ElementDisplay,
  ElementKind,
  JsonObject,
  MessageRole,
  StepType,
  StopReason,
} from "../protocol/views.ts";
import type { LoadedStep, StoredElement, StoredFeedback, StoredUser, ThreadRecord } from "./layer.ts";

/** A JSON column: text in SQLite, already parsed jsonb in PostgreSQL. */
type JsonColumn = string | object | null;

/** Parses a JSON column whichever driver produced it. */
const json = (value: JsonColumn): unknown => (typeof value === "string" ? JSON.parse(value) : value);
const optional = <K extends string>(key: K, value: string | null | undefined): { [P in K]?: string } =>
  (value === null || value === undefined ? {} : { [key]: value }) as { [P in K]?: string };

export interface UserRow {
  id: string;
  identifier: string;
  display_name: string | null;
  metadata: JsonColumn;
  created_at: string;
}

export const toUser = (row: UserRow): StoredUser => ({
  id: row.id,
  identifier: row.identifier,
  ...optional("displayName", row.display_name),
  metadata: json(row.metadata) as JsonObject,
  createdAt: row.created_at,
});

export interface ThreadRow {
  seq: number | string;
  id: string;
  created_at: string;
  name: string | null;
  user_id: string | null;
  user_identifier: string | null;
  secret_hash: string | null;
  share_id: string | null;
  tags: JsonColumn;
  metadata: JsonColumn;
}

export const toThread = (row: ThreadRow): ThreadRecord => ({
  id: row.id,
  createdAt: row.created_at,
  ...optional("name", row.name),
  ...optional("userId", row.user_id),
  ...optional("userIdentifier", row.user_identifier),
  ...optional("secretHash", row.secret_hash),
  ...optional("shareId", row.share_id),
  tags: json(row.tags) as string[],
  metadata: json(row.metadata) as JsonObject,
});

/** The steps table's columns, in the order the INSERT statements list them. */
export interface StepColumns {
  id: string;
  thread_id: string;
  kind: "message" | "step";
  name: string;
  type: string;
  parent_id: string | null;
  input: string | null;
  output: string | null;
  error: string | null;
  start_at: string;
  end_at: string | null;
  actions: string | null;
  /** Why a message's answer was cut (StopReason); null for a whole answer and for steps. */
  stopped: string | null;
  /** A step's icon (schema version 10); null for messages and steps without one. */
  icon: string | null;
  /** 1 for an answer that a recovered durable turn continued (schema version 17); null otherwise. */
  recovered: number | null;
}

export interface StepRow extends Omit<StepColumns, "actions" | "stopped" | "icon" | "recovered"> {
  actions: JsonColumn;
  stopped?: string | null;
  icon?: string | null;
  recovered?: number | null;
}

/** The columns of a message: author in `name`, role in `type`, content in `output`. */
export const messageColumns = (
  threadId: string,
  m: {
    id: string;
    role: MessageRole;
    author: string;
    content: string;
    createdAt: string;
    parentId?: string;
    stopped?: StopReason;
    recovered?: true;
  },
  actions: readonly ActionView[],
): StepColumns => ({
  id: m.id,
  thread_id: threadId,
  kind: "message",
  name: m.author,
  type: m.role,
  parent_id: m.parentId ?? null,
  input: null,
  output: m.content,
  error: null,
  start_at: m.createdAt,
  end_at: null,
  actions: JSON.stringify(actions),
  stopped: m.stopped ?? null,
  icon: null,
  recovered: m.recovered === true ? 1 : null,
});

export const stepColumns = (
  threadId: string,
  s: {
    id: string;
    name: string;
    type: StepType;
    parentId?: string;
    icon?: string;
    input?: string;
    output?: string;
    error?: string;
    start: string;
    end?: string;
  },
): StepColumns => ({
  id: s.id,
  thread_id: threadId,
  kind: "step",
  name: s.name,
  type: s.type,
  parent_id: s.parentId ?? null,
  input: s.input ?? null,
  output: s.output ?? null,
  error: s.error ?? null,
  start_at: s.start,
  end_at: s.end ?? null,
  actions: null,
  stopped: null,
  icon: s.icon ?? null,
  recovered: null,
});

export const toStep = (row: StepRow, feedback: StoredFeedback | undefined): LoadedStep => {
  const extra = feedback === undefined ? {} : { feedback };
  if (row.kind === "message") {
    return {
      kind: "message",
      id: row.id,
      role: row.type as MessageRole,
      author: row.name,
      content: row.output ?? "",
      createdAt: row.start_at,
      ...optional("parentId", row.parent_id),
      actions: (json(row.actions) ?? []) as ActionView[],
      // Absent before schema version 8 (a row read while the migration is pending) as well as null.
      ...(row.stopped === null || row.stopped === undefined ? {} : { stopped: row.stopped as StopReason }),
      // Absent before schema version 17 as well as null.
      ...(row.recovered === 1 ? { recovered: true as const } : {}),
      ...extra,
    };
  }
  return {
    kind: "step",
    id: row.id,
    name: row.name,
    type: row.type as StepType,
    ...optional("parentId", row.parent_id),
    // Absent before schema version 10 as well as null.
    ...(row.icon === null || row.icon === undefined ? {} : { icon: row.icon }),
    ...optional("input", row.input),
    ...optional("output", row.output),
    ...optional("error", row.error),
    start: row.start_at,
    ...optional("end", row.end_at),
    ...extra,
  };
};

export interface FeedbackRow {
  id: string;
  for_id: string;
  value: number;
  comment: string | null;
}

export const toFeedback = (row: FeedbackRow): StoredFeedback => ({
  id: row.id,
  forId: row.for_id,
  value: row.value === 1 ? 1 : 0,
  ...optional("comment", row.comment),
});

export interface ElementRow {
  id: string;
  name: string;
  mime: string | null;
  url: string | null;
  for_id: string | null;
  display: string | null;
  kind?: string | null;
  props?: JsonColumn;
}

export const toElement = (row: ElementRow): StoredElement => ({
  id: row.id,
  name: row.name,
  ...optional("mime", row.mime),
  ...optional("url", row.url),
  ...optional("forId", row.for_id),
  ...(row.display === null ? {} : { display: row.display as ElementDisplay }),
  ...(row.kind === null || row.kind === undefined ? {} : { kind: row.kind as ElementKind }),
  ...(row.props === null || row.props === undefined ? {} : { props: json(row.props) as JsonObject }),
});

/** Escapes `%`, `_` and `\` for a LIKE pattern with `ESCAPE '\'`. */
export const likePattern = (search: string): string => `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** Feedback rows keyed by the step they are about (one per step since schema version 2). */
export const feedbackByStep = (rows: readonly FeedbackRow[]): Map<string, StoredFeedback> =>
  new Map(rows.map((row) => [row.for_id, toFeedback(row)]));
