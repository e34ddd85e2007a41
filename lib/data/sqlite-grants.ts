// The SQLite layer's tool grants (lib/data/grants.ts): the chatwire_tool_grants table.
import type { GrantStore } from "./grants.ts";
import type { StatementCache } from "./sqlite-writes.ts";

/** The grant methods over `sql` (the layer's statement cache), each run by `free` (the layer's lock waiter). */
export function sqliteGrants(sql: StatementCache, free: <T>(run: () => T) => Promise<T>): GrantStore {
  return {
    hasToolGrant: (holders, tool) =>
      free(
        () =>
          holders.length > 0 &&
          sql(
            `SELECT 1 FROM chatwire_tool_grants WHERE tool = ? AND holder IN (${holders.map(() => "?").join(", ")})`,
          ).get(tool, ...holders) !== undefined,
      ),
    addToolGrant: (holder, tool) =>
      free(() => {
        sql(`INSERT INTO chatwire_tool_grants (holder, tool, granted_at) VALUES (?, ?, ?)
          ON CONFLICT (holder, tool) DO NOTHING`).run(holder, tool, Date.now());
      }),
    removeToolGrant: (holders, tool) =>
      free(() => {
        for (const holder of holders)
          sql("DELETE FROM chatwire_tool_grants WHERE holder = ? AND tool = ?").run(holder, tool);
      }),
  };
}
