// Durable turns (docs/durability.md): every message turn has a stored record — its thread, its input, the node that
// runs it and its state — and the outputs of the steps it finished, so that a turn whose process died can be found
// and run again without running those steps twice. Written through the recorder's queue; read when a thread opens.

/** Where a turn is. `running` and `recovered` are live (a node runs it: orphaned if that node is gone), `waiting`
 * too (its handler waits on a stored ask: a node that is gone leaves it for the ask's answer); the rest are final. */
export type TurnState = "running" | "waiting" | "recovered" | "done" | "stopped" | "failed";

/** The states a node runs a turn in: a turn left in one of them by a node that is gone is an orphan. */
export const LIVE_TURN_STATES: readonly TurnState[] = ["running", "waiting", "recovered"];

/** A turn as stored, with the outputs of its finished steps by their place (`/name#index`, nested by parent). */
export interface StoredTurn {
  readonly id: string;
  readonly threadId: string;
  /** The message that started it (an IncomingMessage without its files' bytes), as JSON. */
  readonly input: unknown;
  /** The node running it (or that ran it last). */
  readonly nodeId: string;
  readonly state: TurnState;
  /** How many times it was started: 1, then one more per recovery. */
  readonly attempts: number;
  /** Why it ended when it did not end `done` (a StopReason, or `not_recovered:…`). */
  readonly reason?: string;
  readonly startedAt: string;
  /** Each finished step's output as JSON text (`null`: the step returned undefined). */
  readonly steps: ReadonlyMap<string, string | null>;
}

/** The turn writes a DataLayer's `apply` takes beside the conversation's (layer.ts DataWrite). */
export type TurnWrite =
  /** A turn starts on `nodeId` (a first attempt; a recovery claims instead). */
  | {
      readonly kind: "turn_start";
      readonly turn: {
        readonly id: string;
        readonly threadId: string;
        readonly input: unknown;
        readonly nodeId: string;
        readonly startedAt: string;
      };
    }
  /** A turn ends: its final state and why. With `nodeId`, only while that node owns it (a cluster's fencing: a turn
   * another node claimed meanwhile keeps that node's record). */
  | {
      readonly kind: "turn_end";
      readonly id: string;
      readonly state: TurnState;
      readonly reason?: string;
      readonly nodeId?: string;
    }
  /** A step of the turn finished with `output` (JSON text, or null for undefined). */
  | { readonly kind: "turn_step"; readonly turnId: string; readonly place: string; readonly output: string | null };

/** What a DataLayer offers for durable turns (optional: a layer without it runs turns as before, not durable). */
export interface TurnStore {
  /** The turns of `threadId` in a live state, oldest first, with their finished steps. */
  openTurns(threadId: string): Promise<StoredTurn[]>;
  /** Takes the live turn `id` over from `fromNode` for `toNode` (state `recovered`, one more attempt), atomically:
   * true for one claimer only; false if another node took it, or it ended, meanwhile. */
  claimTurn(id: string, fromNode: string, toNode: string): Promise<boolean>;
  /** How many turns are live on nodes other than `nodeId` (at start-up on one node: left by a dead process). */
  countOrphans(nodeId: string): Promise<number>;
  /** Live turns of any thread whose owner is none of `except` (this node and the nodes known alive), oldest first,
   * at most `limit` — but for `waiting` turns with an ask still open at `now` (ISO 8601), which wait for the user:
   * what the orphan sweeper (lib/gateway/orphan-sweeper.ts) recovers headlessly. Optional for an embedder's own
   * layer: without it, orphans are recovered only when their thread reopens. */
  listOrphans?(except: readonly string[], limit: number, now: string): Promise<OrphanRef[]>;
  /** Of turns `ids`, those stored with an owner other than `nodeId` (a cluster's fencing: another node claimed them,
   * or this node let them go). A turn whose start is not committed yet is not among them. A layer without it (one
   * node only) never fences. */
  ownedElsewhere?(ids: readonly string[], nodeId: string): Promise<string[]>;
  /** `nodeId` lets go of its live turns `ids` (it may have been taken for dead): each stays live, owned by no node,
   * for whichever node opens its thread to recover; one another node claimed already is left as it is. */
  disown?(ids: readonly string[], nodeId: string): Promise<void>;
  /** Stored asks (schema version 16); a layer without them re-asks on recovery, as a turn it does not store. */
  readonly asks?: AskStore;
}

/** A live turn as the orphan sweeper lists it (listOrphans). */
export interface OrphanRef {
  readonly id: string;
  readonly threadId: string;
  readonly nodeId: string;
  readonly state: TurnState;
}

/** The condition listOrphans adds for a waiting turn: no ask of it still open at the bound time parameter. */
export const NO_OPEN_ASK_SQL = (now: string): string => `NOT (t.state = 'waiting' AND EXISTS (
  SELECT 1 FROM chatwire_turn_asks a WHERE a.turn_id = t.id AND a.answer IS NULL AND a.deadline > ${now}))`;

/** An ask a durable turn waits on (askText, askAction, ctx.approve), as stored (docs/durability.md#stored-asks). */
export interface StoredAsk {
  readonly askId: string;
  readonly turnId: string;
  readonly threadId: string;
  /** The signed-in user who may answer it; undefined without sign-in (then only a session of its thread may). */
  readonly owner?: string;
  /** The `ask` frame as it was sent, without its `timeoutMs` (what a reopened thread shows again). */
  readonly frame: unknown;
  /** When it times out (ISO 8601). */
  readonly deadline: string;
  /** Its answer (an AskAnswer as JSON text), once given. */
  readonly answer?: string;
}

/** The stored asks of durable turns. Written straight to the store (not through the recorder's queue): an ask is
 * rare, and its answer must be committed before the turn that waits on it can run again. */
export interface AskStore {
  /** Stores an ask (kept as it was if stored already: a later attempt keeps the first deadline) and marks its turn
   * `waiting`, if `nodeId` still runs it. */
  wait(ask: StoredAsk, nodeId: string): Promise<void>;
  find(askId: string): Promise<StoredAsk | undefined>;
  /** The asks of turn `turnId`, answered or not. */
  ofTurn(turnId: string): Promise<StoredAsk[]>;
  /** Stores the answer of an unanswered ask whose turn is `waiting`: true for the one answer that counts. */
  answer(askId: string, answer: string): Promise<boolean>;
  /** The turn `turnId`, waiting on `nodeId`, runs again (its ask ended where it waited): back to running. */
  resume(turnId: string, nodeId: string): Promise<void>;
  /** `nodeId` lets go of its waiting turn `turnId` (its session ended, or the node shuts down, while the ask waits):
   * the turn stays `waiting`, owned by no node, for the ask's answer to resume it on any node. */
  release(turnId: string, nodeId: string): Promise<void>;
}

/** The owner of a released waiting turn: no node (every node finds it not alive). */
export const NO_NODE = "";

/** The SQL of the turn tables, for both dialects (schema.ts version 11). */
export const turnTables = (t: { json: string }): string => `
CREATE TABLE chatwire_turns (
  id TEXT PRIMARY KEY,
  thread_id TEXT NOT NULL REFERENCES chatwire_threads (id) ON DELETE CASCADE,
  input ${t.json} NOT NULL,
  node_id TEXT NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  reason TEXT,
  started_at TEXT NOT NULL,
  ended_at TEXT
);
CREATE INDEX chatwire_turns_by_thread ON chatwire_turns (thread_id, state);
CREATE INDEX chatwire_turns_by_state ON chatwire_turns (state, node_id);
CREATE TABLE chatwire_turn_steps (
  turn_id TEXT NOT NULL REFERENCES chatwire_turns (id) ON DELETE CASCADE,
  place TEXT NOT NULL,
  output TEXT,
  PRIMARY KEY (turn_id, place)
);
`;

/** The SQL of the stored asks, for both dialects (schema.ts version 16). */
export const askTable = (t: { json: string }): string => `
CREATE TABLE chatwire_turn_asks (
  ask_id TEXT PRIMARY KEY,
  turn_id TEXT NOT NULL REFERENCES chatwire_turns (id) ON DELETE CASCADE,
  thread_id TEXT NOT NULL,
  owner TEXT,
  frame ${t.json} NOT NULL,
  deadline TEXT NOT NULL,
  answer TEXT
);
CREATE INDEX chatwire_turn_asks_by_turn ON chatwire_turn_asks (turn_id);
`;

/** An ask row as both SQL layers read it. */
export interface AskRow {
  ask_id: string;
  turn_id: string;
  thread_id: string;
  owner: string | null;
  frame: unknown;
  deadline: string;
  answer: string | null;
}

/** A stored ask from its row. */
export function toAsk(row: AskRow): StoredAsk {
  return {
    askId: row.ask_id,
    turnId: row.turn_id,
    threadId: row.thread_id,
    ...(row.owner === null ? {} : { owner: row.owner }),
    frame: typeof row.frame === "string" ? JSON.parse(row.frame) : row.frame,
    deadline: row.deadline,
    ...(row.answer === null ? {} : { answer: row.answer }),
  };
}

/** The state a waiting turn goes back to: `recovered` after its first attempt. */
export const RESUMED_STATE_SQL = "CASE WHEN attempts > 1 THEN 'recovered' ELSE 'running' END";

/** A turn row as both SQL layers read it. */
export interface TurnRow {
  id: string;
  thread_id: string;
  input: unknown;
  node_id: string;
  state: string;
  attempts: number | string;
  reason: string | null;
  started_at: string;
}

/** A stored turn from its row and its step rows. */
export function toTurn(row: TurnRow, steps: readonly { place: string; output: string | null }[]): StoredTurn {
  return {
    id: row.id,
    threadId: row.thread_id,
    input: typeof row.input === "string" ? JSON.parse(row.input) : row.input,
    nodeId: row.node_id,
    state: row.state as TurnState,
    attempts: Number(row.attempts),
    ...(row.reason === null ? {} : { reason: row.reason }),
    startedAt: row.started_at,
    steps: new Map(steps.map((step) => [step.place, step.output])),
  };
}

/** `IN (…)` of the live states, for SQL. */
export const LIVE_STATES_SQL = LIVE_TURN_STATES.map((state) => `'${state}'`).join(", ");
