// Picks the data layer from one option: SQLite by default, PostgreSQL when DATABASE_URL says so, memory for tests,
// or none at all. The layer comes back migrated and ready.
import { join, resolve } from "node:path";
import { ChatwireError } from "../errors.ts";
import type { FileBytes } from "./files.ts";
import type { DataLayer } from "./layer.ts";
import { createMemoryLayer } from "./memory.ts";
import { createSqliteLayer } from "./sqlite.ts";

/** How to persist: an embedded SQLite file, a PostgreSQL server, memory (tests), or `false` for nothing. */
export type DataLayerChoice = "sqlite" | "memory" | false | { readonly sqlite: string } | { readonly postgres: string };

/** Where the choice is resolved: the directory for the default SQLite file and the environment. */
export interface SelectEnvironment {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** The default SQLite file, relative to the app's directory. */
export const DEFAULT_SQLITE_PATH = join(".chatwire", "chatwire.db");

const isPostgresUrl = (url: string): boolean => /^postgres(ql)?:\/\//.test(url);

/**
 * The migrated layer for `choice`; undefined (no persistence) for `false`. Without a choice: DATABASE_URL
 * (postgres://…) if set, else SQLite at .chatwire/chatwire.db under the current directory.
 * @example const layer = await createDataLayer(process.env.CI ? "memory" : undefined);
 */
export async function createDataLayer(
  choice?: DataLayerChoice,
  where: SelectEnvironment = { cwd: process.cwd(), env: process.env },
  fileBytes?: FileBytes,
): Promise<DataLayer | undefined> {
  if (fileBytes !== undefined && (choice === false || choice === "memory"))
    throw new ChatwireError("INVALID_OPTION", `${fileBytes.kind} file storage keeps its rows in SQLite or PostgreSQL`);
  const layer = await open(choice, where, fileBytes);
  if (layer === undefined) return undefined;
  try {
    await layer.migrate();
  } catch (error) {
    await layer.close().catch(() => {});
    throw error;
  }
  return layer;
}

// PostgreSQL's driver is loaded only when it is chosen: most processes never need it.
const postgres = async (connectionString: string, fileBytes: FileBytes | undefined) =>
  (await import("./postgres.ts")).createPostgresLayer({ connectionString, fileBytes });

async function open(
  choice: DataLayerChoice | undefined,
  { cwd, env }: SelectEnvironment,
  fileBytes: FileBytes | undefined,
): Promise<DataLayer | undefined> {
  if (choice === false) return undefined;
  if (choice === "memory") return createMemoryLayer();
  if (choice === "sqlite") return createSqliteLayer({ path: join(cwd, DEFAULT_SQLITE_PATH), fileBytes });
  if (choice === undefined) {
    const url = env.DATABASE_URL;
    if (url === undefined || url === "") return createSqliteLayer({ path: join(cwd, DEFAULT_SQLITE_PATH), fileBytes });
    if (!isPostgresUrl(url))
      throw new ChatwireError(
        "INVALID_OPTION",
        "DATABASE_URL must be a postgres:// or postgresql:// connection string",
      );
    return postgres(url, fileBytes);
  }
  if ("sqlite" in choice) return createSqliteLayer({ path: resolve(cwd, choice.sqlite), fileBytes });
  if (!isPostgresUrl(choice.postgres))
    throw new ChatwireError("INVALID_OPTION", "postgres must be a postgres:// or postgresql:// URL");
  return postgres(choice.postgres, fileBytes);
}
