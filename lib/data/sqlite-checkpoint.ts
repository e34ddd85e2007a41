// SQLite's WAL checkpoints off the event loop (issue 19). A checkpoint copies the pages the WAL holds into the
// database file and fsyncs both: run by a commit on the main connection (SQLite's autocheckpoint), it held the event
// loop for about half of the write path's time (the fsyncs are waits, not CPU). A worker thread with its own
// connection runs them instead; the main connection's autocheckpoint stays, at a larger threshold, as the fallback
// for a worker that lags behind or could not start.
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

/** What the main connection needs of the checkpointer. */
export interface Checkpointer {
  /** After a commit: asks the worker for a checkpoint, unless one ran (or runs) less than CHECKPOINT_EVERY_MS ago. */
  committed(): void;
  /** Stops the worker and closes its connection (before the main connection closes, so that one is the last). */
  close(): Promise<void>;
}

/** How often a checkpoint runs at most while commits come: fewer, larger checkpoints copy a page written by many
 * commits once, and pay the two fsyncs once. */
export const CHECKPOINT_EVERY_MS = 100;
/** The main connection's own autocheckpoint (pages) while the worker checkpoints: only reached if it lags behind.
 * SQLite's default, 1,000, is what it falls back to without the worker. */
export const FALLBACK_AUTOCHECKPOINT_PAGES = 10_000;

// CommonJS, run by `new Worker(..., { eval: true })`: no entry file of its own in dist/. A PASSIVE checkpoint never
// waits for the write lock or for readers: it copies what no reader still needs and leaves the rest for the next.
const WORKER_CODE = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma("busy_timeout = 0");
parentPort.on("message", (message) => {
  if (message === "close") {
    db.close();
    parentPort.close();
    return;
  }
  try {
    db.pragma("wal_checkpoint(PASSIVE)");
  } catch {
    // Busy (another connection checkpoints) or gone: the next request tries again; the fallback covers the rest.
  }
  parentPort.postMessage("done");
});
`;

/**
 * A checkpointer for the database at `path`, whose worker starts at the first commit. `fallback(pages)` sets the
 * main connection's `wal_autocheckpoint`: raised while the worker runs, back to SQLite's default if it fails.
 * @example const checkpoints = sqliteCheckpointer(path, (pages) => db.pragma(`wal_autocheckpoint = ${pages}`));
 */
export function sqliteCheckpointer(path: string, fallback: (pages: number) => void): Checkpointer {
  let worker: Worker | undefined;
  let failed = false;
  let running = false;
  let lastEnded = 0;
  let exited: Promise<void> | undefined;

  const start = (): Worker => {
    const driver = createRequire(import.meta.url).resolve("better-sqlite3");
    const started = new Worker(WORKER_CODE, { eval: true, workerData: { driver, path } });
    // It must not keep a process alive that is otherwise done.
    started.unref();
    started.on("message", () => {
      running = false;
      lastEnded = Date.now();
    });
    const gone = (): void => {
      if (worker !== started) return;
      worker = undefined;
      failed = true;
      running = false;
      fallback(1000);
    };
    started.on("error", gone);
    exited = new Promise((resolve) => started.once("exit", () => resolve()));
    started.once("exit", gone);
    fallback(FALLBACK_AUTOCHECKPOINT_PAGES);
    return started;
  };

  return {
    committed() {
      if (failed || running || Date.now() - lastEnded < CHECKPOINT_EVERY_MS) return;
      // Never thrown into the commit that called it: that commit is stored, and its batch must not be written again.
      try {
        worker ??= start();
        running = true;
        worker.postMessage("checkpoint");
      } catch {
        worker = undefined;
        failed = true;
        running = false;
        fallback(1000);
      }
    },
    async close() {
      const closing = worker;
      worker = undefined;
      failed = true;
      if (closing === undefined) return;
      // Held until it has closed its connection: the main one must be the last to close, to fold the WAL back.
      closing.ref();
      closing.postMessage("close");
      await exited;
    },
  };
}
