// The PostgreSQL layer's tool grants (lib/data/grants.ts): the chatwire_tool_grants table.
import type { GrantStore } from "./grants.ts";
import type { Queryable } from "./postgres-writes.ts";

/** The grant methods over `pool`, each retried by `retried` (the layer's transient-failure policy). */
export function postgresGrants(pool: Queryable, retried: <T>(run: () => Promise<T>) => Promise<T>): GrantStore {
  return {
    hasToolGrant: (holders, tool) =>
      retried(async () => {
        const { rowCount } = await pool.query(
          "SELECT 1 FROM chatwire_tool_grants WHERE tool = $1 AND holder = ANY($2::text[]) LIMIT 1",
          [tool, holders],
        );
        return (rowCount ?? 0) > 0;
      }),
    addToolGrant: (holder, tool) =>
      retried(async () => {
        await pool.query(
          `INSERT INTO chatwire_tool_grants (holder, tool, granted_at) VALUES ($1, $2, $3)
           ON CONFLICT (holder, tool) DO NOTHING`,
          [holder, tool, Date.now()],
        );
      }),
    removeToolGrant: (holders, tool) =>
      retried(async () => {
        await pool.query("DELETE FROM chatwire_tool_grants WHERE tool = $1 AND holder = ANY($2::text[])", [
          tool,
          holders,
        ]);
      }),
  };
}
