// The SQLite layer's reads and claims of durable turns (turns.ts); their writes are in sqlite-writes.ts.
import type { StatementCache } from "./sqlite-writes.ts";
import { LIVE_STATES_SQL, type TurnRow, type TurnStore, toTurn } from "./turns.ts";

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
  };
}
