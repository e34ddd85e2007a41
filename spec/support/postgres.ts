// Starts a throwaway PostgreSQL cluster on 127.0.0.1 for tests and benchmarks: a copy of an initdb'd template in a
// temp dir, pg_ctl start, trust auth, fsync off (or, `durable`, fsync and synchronous_commit on, for benchmarks). As
// root (CI), the server runs as the `postgres` user, since PostgreSQL refuses root.
import { execFile, execFileSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { after, before } from "node:test";
import { promisify } from "node:util";
import pg from "pg";

const run = promisify(execFile);

/** A running cluster: `url` connects as the superuser `postgres` to database `postgres`. */
export interface TestPostgres {
  readonly url: string;
  /** Stops the server and removes its data directory. Safe to call twice. */
  stop(): Promise<void>;
}

/** Finds a PostgreSQL binary on PATH or in Debian's /usr/lib/postgresql/<version>/bin. */
function findBinary(name: string): string {
  const debian = existsSync("/usr/lib/postgresql")
    ? readdirSync("/usr/lib/postgresql")
        .sort((a, b) => Number(b) - Number(a))
        .map((version) => join("/usr/lib/postgresql", version, "bin"))
    : [];
  const dirs = [...(process.env.PATH ?? "").split(delimiter), "/usr/local/bin", ...debian];
  const found = dirs.map((dir) => join(dir, name)).find((path) => existsSync(path));
  if (found === undefined) throw new Error(`${name} not found on PATH nor in /usr/lib/postgresql/*/bin`);
  return found;
}

/** A port that was free a moment ago (the OS picks it). */
const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address !== null ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });

const asRoot = process.getuid?.() === 0;

/** Makes `dir` the `postgres` user's when we are root (PostgreSQL refuses to run as root). */
function giveToPostgres(dir: string): void {
  if (!asRoot) return;
  const uid = Number(execFileSync("id", ["-u", "postgres"]).toString().trim());
  const gid = Number(execFileSync("id", ["-g", "postgres"]).toString().trim());
  chownSync(dir, uid, gid);
  chmodSync(dir, 0o700);
}

/** The command line for a binary, run as `postgres` when we are root. */
function command(binary: string, args: readonly string[]): [string, string[]] {
  return asRoot ? ["runuser", ["-u", "postgres", "--", binary, ...args]] : [binary, [...args]];
}

/**
 * A new cluster's data directory, made by initdb once per machine, user and PostgreSQL version and copied for every
 * test cluster: initdb costs about a second of CPU, the copy a few milliseconds. Made aside and renamed into place, so
 * that a process never copies a half-made one; when two make it at once, the first rename wins.
 */
async function template(signal: AbortSignal): Promise<string> {
  const initdb = findBinary("initdb");
  const version = execFileSync(initdb, ["--version"]).toString().trim().replace(/\W+/g, "-");
  const path = join(tmpdir(), `chatwire-pg-template-${version}-${process.getuid?.() ?? "user"}`);
  if (existsSync(join(path, "PG_VERSION"))) return path;
  const aside = mkdtempSync(join(tmpdir(), "chatwire-pg-making-"));
  giveToPostgres(aside);
  try {
    const options = ["-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"];
    const [file, args] = command(initdb, ["-D", join(aside, "data"), ...options]);
    await run(file, args, { cwd: aside, signal });
    try {
      renameSync(join(aside, "data"), path);
    } catch (error) {
      if (!existsSync(join(path, "PG_VERSION"))) throw error;
    }
  } finally {
    rmSync(aside, { recursive: true, force: true });
  }
  return path;
}

/** How the cluster writes: tests skip fsync; `durable` keeps PostgreSQL's defaults (what a benchmark must measure). */
export interface PostgresSettings {
  readonly durable?: boolean;
}

/**
 * Starts a PostgreSQL cluster in a temp dir, bounded by `timeoutMs`; cleans up if anything fails.
 * @example const pg = await startPostgres(); after(() => pg.stop()); createPostgresLayer({ connectionString: pg.url });
 */
export async function startPostgres(timeoutMs = 60_000, settings: PostgresSettings = {}): Promise<TestPostgres> {
  const dir = mkdtempSync(join(tmpdir(), "chatwire-pg-"));
  const data = join(dir, "data");
  const logFile = join(dir, "server.log");
  giveToPostgres(dir);
  const pgCtl = findBinary("pg_ctl");
  let started = false;
  let stopped = false;

  const stopSync = (): void => {
    if (stopped) return;
    stopped = true;
    try {
      if (started) {
        const [file, args] = command(pgCtl, ["stop", "-D", data, "-m", "immediate", "-w", "-t", "20"]);
        execFileSync(file, args, { stdio: "ignore", cwd: dir, timeout: 25_000 });
      }
    } catch {
      // Already gone: nothing to stop.
    }
    rmSync(dir, { recursive: true, force: true });
  };
  // If the test process exits without calling stop() (a crash, an uncaught error), still stop the server.
  process.once("exit", stopSync);

  try {
    const deadline = AbortSignal.timeout(timeoutMs);
    await run("cp", ["-a", await template(deadline), data], { signal: deadline });
    const port = await freePort();
    const serverOptions = [
      "-p",
      String(port),
      "-c",
      "listen_addresses=127.0.0.1",
      "-c",
      `unix_socket_directories=${dir}`,
      ...(settings.durable
        ? ["-c", "fsync=on", "-c", "synchronous_commit=on", "-c", "full_page_writes=on"]
        : ["-c", "fsync=off", "-c", "full_page_writes=off"]),
      "-c",
      "max_connections=200",
    ].join(" ");
    const [ctlFile, ctlArgs] = command(pgCtl, [
      "start",
      "-D",
      data,
      "-l",
      logFile,
      "-w",
      "-t",
      "30",
      "-o",
      serverOptions,
    ]);
    started = true;
    await run(ctlFile, ctlArgs, { cwd: dir, signal: deadline });
    return {
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      stop: async () => {
        process.removeListener("exit", stopSync);
        stopSync();
      },
    };
  } catch (error) {
    const log = existsSync(logFile) ? readFileSync(logFile, "utf8").slice(-2000) : "";
    process.removeListener("exit", stopSync);
    stopSync();
    throw new Error(`could not start PostgreSQL: ${error instanceof Error ? error.message : String(error)}\n${log}`, {
      cause: error,
    });
  }
}

/**
 * For a describe block: one server for all its cases (started before them, stopped after), and a fresh database on
 * it at each call, named `prefix_<n>`, so cases cannot see each other's rows. Resolves with the database's URL.
 * @example const freshDatabase = postgresDatabases("contract"); const url = await freshDatabase();
 */
export function postgresDatabases(prefix: string): () => Promise<string> {
  let server: TestPostgres | undefined;
  let admin: pg.Client | undefined;
  before(async () => {
    server = await startPostgres();
    admin = new pg.Client(server.url);
    await admin.connect();
  });
  after(async () => {
    await admin?.end();
    await server?.stop();
  });
  let n = 0;
  return async () => {
    if (server === undefined || admin === undefined) throw new Error("postgres did not start");
    const name = `${prefix}_${++n}`;
    await admin.query(`CREATE DATABASE ${name}`);
    return server.url.replace(/\/postgres$/, `/${name}`);
  };
}
