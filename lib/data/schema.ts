// The versioned schema of the SQL layers. A migration is never edited once released: add a new version instead.
// Both dialects keep the same tables and columns (rows.ts maps them); only types differ. Versions after 1 upgrade
// databases created by earlier releases in place.
import { askTable, turnTables } from "./turns.ts";

/** One schema version: applied once, in order, recorded in chatwire_migrations. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/** Threads, users, steps (messages and steps), feedback and elements; `seq` keeps insertion order. */
const tables = (t: { serial: string; json: string }): string => `
CREATE TABLE chatwire_users (
  id TEXT PRIMARY KEY,
  identifier TEXT NOT NULL UNIQUE,
  display_name TEXT,
  metadata ${t.json} NOT NULL,
  created_at TEXT NOT NULL
);
CREATE TABLE chatwire_threads (
  seq ${t.serial},
  id TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL,
  name TEXT,
  user_id TEXT REFERENCES chatwire_users (id) ON DELETE CASCADE,
  secret_hash TEXT,
  tags ${t.json} NOT NULL,
  metadata ${t.json} NOT NULL
);
CREATE INDEX chatwire_threads_by_user ON chatwire_threads (user_id, seq);
CREATE TABLE chatwire_steps (
  seq ${t.serial},
  id TEXT NOT NULL UNIQUE,
  thread_id TEXT NOT NULL REFERENCES chatwire_threads (id) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (kind IN ('message', 'step')),
  name TEXT NOT NULL,
  type TEXT NOT NULL,
  parent_id TEXT,
  input TEXT,
  output TEXT,
  error TEXT,
  start_at TEXT NOT NULL,
  end_at TEXT,
  actions ${t.json}
);
CREATE INDEX chatwire_steps_by_thread ON chatwire_steps (thread_id, seq);
CREATE TABLE chatwire_feedbacks (
  seq ${t.serial},
  id TEXT NOT NULL UNIQUE,
  for_id TEXT NOT NULL REFERENCES chatwire_steps (id) ON DELETE CASCADE,
  value INTEGER NOT NULL CHECK (value IN (0, 1)),
  comment TEXT
);
CREATE INDEX chatwire_feedbacks_by_step ON chatwire_feedbacks (for_id);
CREATE TABLE chatwire_elements (
  seq ${t.serial},
  id TEXT NOT NULL UNIQUE,
  thread_id TEXT NOT NULL REFERENCES chatwire_threads (id) ON DELETE CASCADE,
  for_id TEXT,
  name TEXT NOT NULL,
  mime TEXT,
  url TEXT
);
CREATE INDEX chatwire_elements_by_thread ON chatwire_elements (thread_id, seq);
`;

/** One feedback per message or step: duplicates (from sessions that each made their own id) keep the latest. */
const oneFeedbackPerStep = `
DELETE FROM chatwire_feedbacks WHERE seq NOT IN (SELECT MAX(seq) FROM chatwire_feedbacks GROUP BY for_id);
DROP INDEX chatwire_feedbacks_by_step;
CREATE UNIQUE INDEX chatwire_feedbacks_one_per_step ON chatwire_feedbacks (for_id);
`;

/** How an element is shown next to its message (Chainlit's `display`). */
const elementDisplay = `ALTER TABLE chatwire_elements ADD COLUMN display TEXT;`;

/** Ids of logged-out session tokens, until they would have expired anyway (seconds since the epoch). */
const revokedTokens = (t: { epoch: string }) => `
CREATE TABLE chatwire_revoked_tokens (
  token_id TEXT PRIMARY KEY,
  expires_at ${t.epoch} NOT NULL
);
CREATE INDEX chatwire_revoked_tokens_by_expiry ON chatwire_revoked_tokens (expires_at);
`;

/** Login throttle counters (lib/auth/throttle.ts): attempts in a row per hashed username or client address, the
 * end of the key's lock and its last charge, in milliseconds since the epoch. */
const loginCounters = (t: { epoch: string }) => `
CREATE TABLE chatwire_login_counters (
  counter_key TEXT PRIMARY KEY,
  failures INTEGER NOT NULL,
  locked_until ${t.epoch} NOT NULL,
  updated_at ${t.epoch} NOT NULL
);
CREATE INDEX chatwire_login_counters_by_update ON chatwire_login_counters (updated_at);
`;

/** Uploaded files and elements' bytes (lib/data/files.ts): metadata, then the bytes as numbered chunks. A file is
 * `complete` once its last chunk is in; `thread_id` is set when a message or an ask claims it. Elements get their
 * kind (image, dataframe, …) and the JSON props of the kinds that have no bytes. */
const files = (t: { bytes: string; json: string }) => `
CREATE TABLE chatwire_files (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  mime TEXT NOT NULL,
  size BIGINT NOT NULL,
  complete INTEGER NOT NULL,
  session_id TEXT NOT NULL,
  user_identifier TEXT,
  thread_id TEXT,
  created_at TEXT NOT NULL
);
CREATE INDEX chatwire_files_by_session ON chatwire_files (session_id);
CREATE INDEX chatwire_files_by_thread ON chatwire_files (thread_id);
CREATE INDEX chatwire_files_by_creation ON chatwire_files (created_at);
CREATE TABLE chatwire_file_chunks (
  file_id TEXT NOT NULL REFERENCES chatwire_files (id) ON DELETE CASCADE,
  n INTEGER NOT NULL,
  data ${t.bytes} NOT NULL,
  PRIMARY KEY (file_id, n)
);
ALTER TABLE chatwire_elements ADD COLUMN kind TEXT;
ALTER TABLE chatwire_elements ADD COLUMN props ${t.json};
`;

/** The cluster's session directory (lib/cluster): nodes with a lease (milliseconds since the epoch, on the
 * database's clock), and the live sessions each holds; a node's rows go with it when its lease runs out. */
const clusterDirectory = (t: { epoch: string }) => `
CREATE TABLE chatwire_cluster_nodes (
  node_id TEXT PRIMARY KEY,
  expires_at ${t.epoch} NOT NULL
);
CREATE TABLE chatwire_cluster_sessions (
  session_id TEXT PRIMARY KEY,
  node_id TEXT NOT NULL REFERENCES chatwire_cluster_nodes (node_id) ON DELETE CASCADE,
  thread_id TEXT NOT NULL,
  user_identifier TEXT
);
CREATE INDEX chatwire_cluster_sessions_by_node ON chatwire_cluster_sessions (node_id);
CREATE INDEX chatwire_cluster_sessions_by_thread ON chatwire_cluster_sessions (thread_id);
`;

/** Why a message's answer was cut (a StopReason: user, superseded, timeout…); null for a whole answer. */
const stoppedMessages = `ALTER TABLE chatwire_steps ADD COLUMN stopped TEXT;`;

/** A thread its author shared: the id of its read-only link (lib/gateway/share-routes.ts), null while not shared.
 * Unique (several NULLs allowed): a link names one thread. */
const threadShares = `
ALTER TABLE chatwire_threads ADD COLUMN share_id TEXT;
CREATE UNIQUE INDEX chatwire_threads_by_share ON chatwire_threads (share_id);
`;

/** A step's icon (a URL or an icon name; StepView `icon`); null for messages and steps without one. */
const stepIcons = `ALTER TABLE chatwire_steps ADD COLUMN icon TEXT;`;

/** An answer a recovered durable turn continued is stored so (docs/durability.md): the thread, reopened, shows it. */
const recoveredAnswers = (t: { flag: string }) => `ALTER TABLE chatwire_steps ADD COLUMN recovered ${t.flag};`;

/** The per-user upload quota sums a user's file sizes (FileStore.userBytes): without an index that read scans every
 * file of every user. */
const filesByUser = `CREATE INDEX chatwire_files_by_user ON chatwire_files (user_identifier);`;

/** Sticky tool approvals (lib/data/grants.ts): a holder ("thread:<id>" or "user:<identifier>") and a tool name. */
const toolGrants = (t: { epoch: string; withoutRowid: string }) => `
CREATE TABLE chatwire_tool_grants (
  holder TEXT NOT NULL,
  tool TEXT NOT NULL,
  granted_at ${t.epoch} NOT NULL,
  PRIMARY KEY (holder, tool)
)${t.withoutRowid};
`;

/** Durable turns (turns.ts): a record per message turn and its finished steps' outputs. Version 10 is left to the
 * branch that claimed it; the runners apply whichever versions a database lacks, in order. */
const durableTurns = (t: { json: string }) => turnTables(t);

/** PostgreSQL only: a batch of writes runs as one SQL text (postgres-batch.ts), and a statement of it refuses a
 * write by calling this, so that the batch rolls back with the write's own reason. */
const postgresRefuse = `
CREATE OR REPLACE FUNCTION chatwire_refuse(reason TEXT) RETURNS VOID LANGUAGE plpgsql AS
$$ BEGIN RAISE EXCEPTION '%', reason USING ERRCODE = 'integrity_constraint_violation'; END $$;
`;

/** SQLite's write path under many live threads (issue 19): each commit writes every page its batch dirtied. The
 * (state, node) index of turns moved every finished turn from the 'running' part to the 'done' part, where the
 * entries of all threads are kept; it now keeps only live turns, the ones countOrphans reads, so a turn that ends in
 * the batch that started it (sqlite-writes.ts writes its final state at once) never enters it. */
const liveTurnsIndex = `
DROP INDEX chatwire_turns_by_state;
CREATE INDEX chatwire_turns_live_by_node ON chatwire_turns (node_id) WHERE state IN ('running', 'waiting', 'recovered');
`;

/** Durable turns' cost (issue 25): the (thread, state) index of turns took every turn, and a finished one moved to
 * its thread's 'done' part, a page dirtied per thread per commit. openTurns reads only live turns: the index now
 * keeps only them, so a turn stored already ended (sqlite-writes.ts) never enters it and one that ends leaves it. */
const liveTurnsByThread = `
DROP INDEX chatwire_turns_by_thread;
CREATE INDEX chatwire_turns_live_by_thread ON chatwire_turns (thread_id)
  WHERE state IN ('running', 'waiting', 'recovered');
`;

/** SQLite: JSON as TEXT, AUTOINCREMENT so a deleted row's seq is never reused. */
export const sqliteMigrations: readonly Migration[] = [
  { version: 1, name: "tables", sql: tables({ serial: "INTEGER PRIMARY KEY AUTOINCREMENT", json: "TEXT" }) },
  { version: 2, name: "one feedback per step", sql: oneFeedbackPerStep },
  { version: 3, name: "element display", sql: elementDisplay },
  { version: 4, name: "revoked tokens", sql: revokedTokens({ epoch: "INTEGER" }) },
  { version: 5, name: "login counters", sql: loginCounters({ epoch: "INTEGER" }) },
  { version: 6, name: "files", sql: files({ bytes: "BLOB", json: "TEXT" }) },
  { version: 7, name: "cluster directory", sql: clusterDirectory({ epoch: "INTEGER" }) },
  { version: 8, name: "stopped messages", sql: stoppedMessages },
  { version: 9, name: "thread shares", sql: threadShares },
  { version: 10, name: "step icons", sql: stepIcons },
  { version: 11, name: "durable turns", sql: durableTurns({ json: "TEXT" }) },
  { version: 12, name: "files by user", sql: filesByUser },
  { version: 13, name: "tool grants", sql: toolGrants({ epoch: "INTEGER", withoutRowid: " WITHOUT ROWID" }) },
  { version: 14, name: "live turns index", sql: liveTurnsIndex },
  { version: 16, name: "stored asks", sql: askTable({ json: "TEXT" }) },
  { version: 17, name: "recovered answers", sql: recoveredAnswers({ flag: "INTEGER" }) },
  { version: 18, name: "live turns by thread", sql: liveTurnsByThread },
];

/** PostgreSQL: JSON as jsonb, seq from an identity column. */
export const postgresMigrations: readonly Migration[] = [
  {
    version: 1,
    name: "tables",
    sql: tables({ serial: "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY", json: "JSONB" }),
  },
  { version: 2, name: "one feedback per step", sql: oneFeedbackPerStep },
  { version: 3, name: "element display", sql: elementDisplay },
  { version: 4, name: "revoked tokens", sql: revokedTokens({ epoch: "BIGINT" }) },
  { version: 5, name: "login counters", sql: loginCounters({ epoch: "BIGINT" }) },
  { version: 6, name: "files", sql: files({ bytes: "BYTEA", json: "JSONB" }) },
  { version: 7, name: "cluster directory", sql: clusterDirectory({ epoch: "BIGINT" }) },
  { version: 8, name: "stopped messages", sql: stoppedMessages },
  { version: 9, name: "thread shares", sql: threadShares },
  { version: 10, name: "step icons", sql: stepIcons },
  { version: 11, name: "durable turns", sql: durableTurns({ json: "JSONB" }) },
  { version: 12, name: "files by user", sql: filesByUser },
  { version: 13, name: "tool grants", sql: toolGrants({ epoch: "BIGINT", withoutRowid: "" }) },
  // Version 14 is SQLite's alone (its write path); versions are applied by number, so a gap is fine.
  { version: 15, name: "batched writes", sql: postgresRefuse },
  { version: 16, name: "stored asks", sql: askTable({ json: "JSONB" }) },
  { version: 17, name: "recovered answers", sql: recoveredAnswers({ flag: "SMALLINT" }) },
  { version: 18, name: "live turns by thread", sql: liveTurnsByThread },
];
