// A database locked by someone else: writes wait without holding the event loop, fail once at their deadline (never
// write by write), reads go on, and everything works again once the lock is gone. SQLite and PostgreSQL.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, type TestContext, test } from "node:test";
import pg from "pg";
import type { DataLayer, DataWrite } from "../../lib/data/layer.ts";
import { createPostgresLayer } from "../../lib/data/postgres.ts";
import { createRecorder, PersistenceError, type RecorderFailure } from "../../lib/data/recorder.ts";
import { createSqliteLayer } from "../../lib/data/sqlite.ts";
import { startPostgres, type TestPostgres } from "../support/postgres.ts";
import { holdSqliteLock } from "../support/sqlite-lock.ts";
import { message } from "./contract.ts";

/** The layer, with every batch it was asked to apply (a real layer underneath: this only looks). */
const watched = (layer: DataLayer) => {
  const batches: (readonly DataWrite[])[] = [];
  const apply: DataLayer["apply"] = (writes, options) => {
    batches.push(writes);
    return layer.apply(writes, options);
  };
  return { batches, layer: { ...layer, apply } satisfies DataLayer };
};

/** Rejects if `promise` has not settled within `ms`: every wait in these tests is bounded. */
const within = <T>(promise: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([
    promise,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms).unref()),
  ]);

/** Records five messages into t1 (which exists) and checks how the flush fails while the database is locked. */
async function failsOnceAtTheDeadline(layer: DataLayer, writeTimeoutMs: number) {
  const seen = watched(layer);
  const failures: RecorderFailure[] = [];
  const recorder = createRecorder(seen.layer, { writeTimeoutMs, onError: (failure) => failures.push(failure) });
  let timerRan = false;
  setTimeout(() => {
    timerRan = true;
  }, 20);
  for (let i = 0; i < 5; i++) recorder.record("t1", { type: "message_new", message: message(`m${i}`, `text ${i}`) });
  const flushed = recorder.flush("t1");
  const error = await within(
    flushed.then(
      () => undefined,
      (e: unknown) => e,
    ),
    writeTimeoutMs + 3000,
    "the flush",
  );
  assert.ok(error instanceof PersistenceError, `the flush rejects with PersistenceError, not ${String(error)}`);
  assert.ok(timerRan, "a timer ran while the writes waited: the event loop was not held");
  assert.deepEqual(
    failures.map((f) => [f.reason, f.writes, (f.error as Error | undefined)?.name]),
    [["write_failed", 5, "DataUnavailableError"]],
    "one report for the whole batch, as unavailable",
  );
  assert.ok(
    seen.batches.every((batch) => batch.length === 5),
    "the batch is never retried write by write",
  );
  return recorder;
}

test("SQLite locked by another process: writes fail once at their deadline, reads go on, then writes work again", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "chatwire-lock-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, "chatwire.db");
  const layer = createSqliteLayer({ path });
  t.after(() => layer.close());
  await layer.migrate();
  await layer.apply([
    { kind: "thread", thread: { id: "t1", name: "Locked" }, owner: { identifier: "ada" } },
    { kind: "message", threadId: "t1", message: message("m-before", "before the lock") },
  ]);

  const lock = await holdSqliteLock(path, 60_000);
  t.after(() => lock.release());
  const recorder = await failsOnceAtTheDeadline(layer, 400).catch(async (error: unknown) => {
    await lock.release();
    throw error;
  });
  // Reads do not need the write lock: they answer while it is held.
  const thread = await within(layer.loadThread("t1"), 2000, "loadThread");
  assert.deepEqual(
    thread?.steps.map((s) => s.id),
    ["m-before"],
  );
  const ada = await within(layer.getUser("ada"), 2000, "getUser");
  const page = await within(layer.listThreads({ userId: ada?.id ?? "" }), 2000, "listThreads");
  assert.deepEqual(
    page.threads.map((th) => th.name),
    ["Locked"],
  );

  await lock.release();
  recorder.record("t1", { type: "message_new", message: message("m-after", "after the lock") });
  await within(recorder.flush("t1"), 5000, "the flush after the lock");
  assert.deepEqual(
    (await layer.loadThread("t1"))?.steps.map((s) => s.id),
    ["m-before", "m-after"],
  );
});

let postgres: TestPostgres;
before(async () => {
  postgres = await startPostgres();
});
after(() => postgres?.stop());

/** A PostgreSQL session holding an exclusive lock on the steps table until `release()`. */
async function lockSteps(t: TestContext, url: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  t.after(() => client.end());
  await client.query("BEGIN");
  await client.query("LOCK TABLE chatwire_steps IN ACCESS EXCLUSIVE MODE");
  let released: Promise<unknown> | undefined;
  return { release: () => (released ??= client.query("COMMIT")) };
}

test("PostgreSQL with a locked table: a batch fails once at its deadline, never write by write", async (t) => {
  const layer = createPostgresLayer({ connectionString: postgres.url, timeoutMs: 2000 });
  t.after(() => layer.close());
  await layer.migrate();
  await layer.apply([{ kind: "thread", thread: { id: "t1" } }]);

  const lock = await lockSteps(t, postgres.url);
  // Released however the check ends: the layer cannot close while its connection waits for the lock.
  const recorder = await failsOnceAtTheDeadline(layer, 400).finally(() => lock.release());
  recorder.record("t1", { type: "message_new", message: message("m-after", "after the lock") });
  await within(recorder.flush("t1"), 5000, "the flush after the lock");
  assert.deepEqual(
    (await layer.loadThread("t1"))?.steps.map((s) => s.id),
    ["m-after"],
  );
});
