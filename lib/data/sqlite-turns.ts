// The SQLite layer's reads and claims of durable turns (turns.ts); their writes are in sqlite-writes.ts.
import type { StatementCache } from "./sqlite-writes.ts";
import {
  type AskRow,
  type AskStore,
  LIVE_STATES_SQL,
  NO_NODE,
  NO_OPEN_ASK_SQL,
  type OrphanRef,
  RESUMED_STATE_SQL,
  type TurnRow,
  type TurnStore,
  toAsk,
  toTurn,
} from "./turns.ts";

/** What the turn store needs of the layer: its statements (with `all`) and its patient runner. */
export interface SqliteTurnAccess {
  readonly sql: (text: string) => ReturnType<StatementCache> & { all(...parameters: unknown[]): unknown[] };
  readonly free: <T>(run: () => T) => Promise<T>;
}

/** The TurnStore of a SQLite layer. */
export function sqliteTurns({ sql, free }: SqliteTurnAccess): TurnStore {
  return {
    openTurns: (threadId) =>
      free(() =>
        (
          sql(`SELECT * FROM chatwire_turns WHERE thread_id = ? AND state IN (${LIVE_STATES_SQL})
            ORDER BY started_at, id`).all(threadId) as TurnRow[]
        ).map((row) =>
          toTurn(
            row,
            sql("SELECT place, output FROM chatwire_turn_steps WHERE turn_id = ?").all(row.id) as {
              place: string;
              output: string | null;
            }[],
          ),
        ),
      ),
    claimTurn: (id, fromNode, toNode) =>
      free(
        () =>
          sql(`UPDATE chatwire_turns SET node_id = ?, state = 'recovered', attempts = attempts + 1
            WHERE id = ? AND node_id = ? AND state IN (${LIVE_STATES_SQL})`).run(toNode, id, fromNode).changes === 1,
      ),
    countOrphans: (nodeId) =>
      free(
        () =>
          (
            sql(`SELECT COUNT(*) AS n FROM chatwire_turns WHERE state IN (${LIVE_STATES_SQL}) AND node_id <> ?`).get(
              nodeId,
            ) as { n: number }
          ).n,
      ),
    // The partial index of live turns by node (schema version 14) holds exactly the rows this reads.
    listOrphans: (except, limit, now) =>
      free(() =>
        (
          sql(`SELECT t.id, t.thread_id, t.node_id, t.state FROM chatwire_turns t
            WHERE t.state IN (${LIVE_STATES_SQL}) AND t.node_id NOT IN (SELECT value FROM json_each(?))
            AND ${NO_OPEN_ASK_SQL("?")} ORDER BY t.started_at, t.id LIMIT ?`).all(
            JSON.stringify(except),
            now,
            limit,
          ) as { id: string; thread_id: string; node_id: string; state: string }[]
        ).map(orphanOf),
      ),
    disown: (ids, nodeId) =>
      free(() => {
        const update = sql(`UPDATE chatwire_turns SET node_id = ? WHERE id = ? AND node_id = ?
          AND state IN (${LIVE_STATES_SQL})`);
        for (const id of ids) update.run(NO_NODE, id, nodeId);
      }),
    asks: sqliteAsks({ sql, free }),
  };
}

function orphanOf(row: { id: string; thread_id: string; node_id: string; state: string }): OrphanRef {
  return { id: row.id, threadId: row.thread_id, nodeId: row.node_id, state: row.state as OrphanRef["state"] };
}

/** The stored asks of a SQLite layer. */
function sqliteAsks({ sql, free }: SqliteTurnAccess): AskStore {
  return {
    wait: (ask, nodeId) =>
      free(() => {
        sql(`INSERT INTO chatwire_turn_asks (ask_id, turn_id, thread_id, owner, frame, deadline)
          VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (ask_id) DO NOTHING`).run(
          ask.askId,
          ask.turnId,
          ask.threadId,
          ask.owner ?? null,
          JSON.stringify(ask.frame),
          ask.deadline,
        );
        sql(`UPDATE chatwire_turns SET state = 'waiting'
          WHERE id = ? AND node_id = ? AND state IN ('running', 'recovered')`).run(ask.turnId, nodeId);
      }),
    find: (askId) =>
      free(() => {
        const row = sql("SELECT * FROM chatwire_turn_asks WHERE ask_id = ?").get(askId) as AskRow | undefined;
        return row === undefined ? undefined : toAsk(row);
      }),
    ofTurn: (turnId) =>
      free(() =>
        (sql("SELECT * FROM chatwire_turn_asks WHERE turn_id = ? ORDER BY deadline").all(turnId) as AskRow[]).map(
          toAsk,
        ),
      ),
    answer: (askId, answer) =>
      free(
        () =>
          sql(`UPDATE chatwire_turn_asks SET answer = ? WHERE ask_id = ? AND answer IS NULL
            AND turn_id IN (SELECT id FROM chatwire_turns WHERE state = 'waiting')`).run(answer, askId).changes === 1,
      ),
    resume: (turnId, nodeId) =>
      free(() => {
        sql(`UPDATE chatwire_turns SET state = ${RESUMED_STATE_SQL}
          WHERE id = ? AND node_id = ? AND state = 'waiting'`).run(turnId, nodeId);
      }),
    release: (turnId, nodeId) =>
      free(() => {
        sql("UPDATE chatwire_turns SET node_id = ? WHERE id = ? AND node_id = ? AND state = 'waiting'").run(
          NO_NODE,
          turnId,
          nodeId,
        );
      }),
  };
}
