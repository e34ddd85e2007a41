// Another process holding SQLite's write lock on a file: a child that runs `BEGIN IMMEDIATE` and keeps the
// transaction open until it is told to commit (or its deadline passes). Used by tests and by the lock benchmark.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createRequire } from "node:module";

/** A child process holding the write lock. */
export interface SqliteLockHolder {
  readonly child: ChildProcess;
  /** Commits (releasing the lock) and waits for the child to exit. Safe to call twice. */
  release(): Promise<void>;
}

const driver = createRequire(import.meta.url).resolve("better-sqlite3");

// The child: takes the lock, says so on stdout, commits on "release" from stdin or at its deadline, then exits.
const script = `
const Database = require(process.argv[1]);
const db = new Database(process.argv[2]);
db.exec("BEGIN IMMEDIATE");
process.stdout.write("locked\\n");
const done = () => { db.exec("COMMIT"); db.close(); process.exit(0); };
setTimeout(done, Number(process.argv[3]));
process.stdin.on("data", done);
process.stdin.on("end", done);
`;

/**
 * Starts a process holding SQLite's write lock on `path` for at most `maxMs`; resolves once the lock is held.
 * @example const lock = await holdSqliteLock(path, 20_000); t.after(() => lock.release());
 */
export async function holdSqliteLock(path: string, maxMs: number): Promise<SqliteLockHolder> {
  const child = spawn(process.execPath, ["-e", script, driver, path, String(maxMs)], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const exited = once(child, "exit");
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the lock holder did not take the lock within 10 s")), 10_000);
    child.stdout?.on("data", (chunk) => {
      if (String(chunk).includes("locked")) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the lock holder exited with ${code} before taking the lock`));
    });
  });
  return {
    child,
    release: async () => {
      if (child.exitCode === null && child.signalCode === null) child.stdin?.end("release\n");
      await exited;
    },
  };
}
