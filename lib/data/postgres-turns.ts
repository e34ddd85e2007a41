// The PostgreSQL layer's reads and claims of durable turns (turns.ts); their writes are in postgres-writes.ts.
import type { Queryable } from "./postgres-writes.ts";
import {
  type AskRow,
  type AskStore,
  LIVE_STATES_SQL,
  NO_NODE,
  NO_OPEN_ASK_SQL,
  RESUMED_STATE_SQL,
  type TurnRow,
  type TurnState,
  type TurnStore,
  toAsk,
  toTurn,
} from "./turns.ts";

/** The TurnStore of a PostgreSQL layer; `retried` is the layer's retry of a call on a lost connection. */
export function postgresTurns(pool: Queryable, retried: <T>(run: () => Promise<T>) => Promise<T>): TurnStore {
  return {
    openTurns: (threadId) =>
      retried(async () => {
        const { rows } = await pool.query<TurnRow>(
          `SELECT * FROM chatwire_turns WHERE thread_id = $1 AND state IN (${LIVE_STATES_SQL})
           ORDER BY started_at, id`,
          [threadId],
        );
        if (rows.length === 0) return [];
        const steps = await pool.query<{ turn_id: string; place: string; output: string | null }>(
          "SELECT turn_id, place, output FROM chatwire_turn_steps WHERE turn_id = ANY($1::text[])",
          [rows.map((row) => row.id)],
        );
        return rows.map((row) =>
          toTurn(
            row,
            steps.rows.filter((step) => step.turn_id === row.id),
          ),
        );
      }),
    // One statement: of two nodes claiming at once, the row lock lets one update it; the other finds it taken.
    claimTurn: (id, fromNode, toNode) =>
      retried(async () => {
        const { rowCount } = await pool.query(
          `UPDATE chatwire_turns SET node_id = $1, state = 'recovered', attempts = attempts + 1
           WHERE id = $2 AND node_id = $3 AND state IN (${LIVE_STATES_SQL})`,
          [toNode, id, fromNode],
        );
        return rowCount === 1;
      }),
    countOrphans: (nodeId) =>
      retried(async () => {
        const { rows } = await pool.query<{ n: string }>(
          `SELECT COUNT(*) AS n FROM chatwire_turns WHERE state IN (${LIVE_STATES_SQL}) AND node_id <> $1`,
          [nodeId],
        );
        return Number(rows[0]?.n ?? 0);
      }),
    // Read through the (state, node_id) index of turns (schema version 11): live turns are few beside ended ones.
    listOrphans: (except, limit, now) =>
      retried(async () => {
        const { rows } = await pool.query<{ id: string; thread_id: string; node_id: string; state: string }>(
          `SELECT t.id, t.thread_id, t.node_id, t.state FROM chatwire_turns t
           WHERE t.state IN (${LIVE_STATES_SQL}) AND t.node_id <> ALL($1::text[])
           AND ${NO_OPEN_ASK_SQL("$2")} ORDER BY t.started_at, t.id LIMIT $3`,
          [[...except], now, limit],
        );
        return rows.map((row) => ({
          id: row.id,
          threadId: row.thread_id,
          nodeId: row.node_id,
          state: row.state as TurnState,
        }));
      }),
    ownedElsewhere: (ids, nodeId) =>
      retried(async () => {
        const { rows } = await pool.query<{ id: string }>(
          "SELECT id FROM chatwire_turns WHERE id = ANY($1::text[]) AND node_id <> $2",
          [ids, nodeId],
        );
        return rows.map((row) => row.id);
      }),
    disown: (ids, nodeId) =>
      retried(async () => {
        await pool.query(
          `UPDATE chatwire_turns SET node_id = $1 WHERE id = ANY($2::text[]) AND node_id = $3
           AND state IN (${LIVE_STATES_SQL})`,
          [NO_NODE, ids, nodeId],
        );
      }),
    asks: postgresAsks(pool, retried),
  };
}

/** The stored asks of a PostgreSQL layer. */
function postgresAsks(pool: Queryable, retried: <T>(run: () => Promise<T>) => Promise<T>): AskStore {
  return {
    wait: (ask, nodeId) =>
      retried(async () => {
        await pool.query(
          `INSERT INTO chatwire_turn_asks (ask_id, turn_id, thread_id, owner, frame, deadline)
           VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (ask_id) DO NOTHING`,
          [ask.askId, ask.turnId, ask.threadId, ask.owner ?? null, JSON.stringify(ask.frame), ask.deadline],
        );
        await pool.query(
          `UPDATE chatwire_turns SET state = 'waiting'
           WHERE id = $1 AND node_id = $2 AND state IN ('running', 'recovered')`,
          [ask.turnId, nodeId],
        );
      }),
    find: (askId) =>
      retried(async () => {
        const { rows } = await pool.query<AskRow>("SELECT * FROM chatwire_turn_asks WHERE ask_id = $1", [askId]);
        return rows[0] === undefined ? undefined : toAsk(rows[0]);
      }),
    ofTurn: (turnId) =>
      retried(async () => {
        const { rows } = await pool.query<AskRow>(
          "SELECT * FROM chatwire_turn_asks WHERE turn_id = $1 ORDER BY deadline",
          [turnId],
        );
        return rows.map(toAsk);
      }),
    // One statement: of two nodes given an answer at once, one stores it.
    answer: (askId, answer) =>
      retried(async () => {
        const { rowCount } = await pool.query(
          `UPDATE chatwire_turn_asks SET answer = $1 WHERE ask_id = $2 AND answer IS NULL
           AND turn_id IN (SELECT id FROM chatwire_turns WHERE state = 'waiting')`,
          [answer, askId],
        );
        return rowCount === 1;
      }),
    resume: (turnId, nodeId) =>
      retried(async () => {
        await pool.query(
          `UPDATE chatwire_turns SET state = ${RESUMED_STATE_SQL} WHERE id = $1 AND node_id = $2 AND state = 'waiting'`,
          [turnId, nodeId],
        );
      }),
    release: (turnId, nodeId) =>
      retried(async () => {
        await pool.query(
          "UPDATE chatwire_turns SET node_id = $1 WHERE id = $2 AND node_id = $3 AND state = 'waiting'",
          [NO_NODE, turnId, nodeId],
        );
      }),
  };
}
