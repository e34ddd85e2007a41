// SQLite's cheaper write path (issue 19): schema version 14 on a database written by version 13, turns that start
// and end in one batch written once, and the write queue's group commit.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import Database from "better-sqlite3";
import type { DataLayer, DataWrite } from "../../lib/data/layer.ts";
import { createMemoryLayer } from "../../lib/data/memory.ts";
import { sqliteMigrations } from "../../lib/data/schema.ts";
import { createSqliteLayer } from "../../lib/data/sqlite.ts";
import { createWriteQueue } from "../../lib/data/write-queue.ts";
import { message } from "./contract.ts";

const dir = mkdtempSync(join(tmpdir(), "chatwire-sqlite-write-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshPath = () => join(dir, `case-${++n}.db`);

/** A database as version 13 left it, with a row in every table the migration and the write path touch. */
function versionThirteen(path: string): void {
  const db = new Database(path);
  db.exec(
    `CREATE TABLE chatwire_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`,
  );
  for (const migration of sqliteMigrations.filter((m) => m.version <= 13)) {
    db.exec(migration.sql);
    db.prepare("INSERT INTO chatwire_migrations VALUES (?, ?, '2026-12-01T10:00:00.000Z')").run(
      migration.version,
      migration.name,
    );
  }
  db.exec(`
    INSERT INTO chatwire_users (id, identifier, display_name, metadata, created_at)
      VALUES ('u1', 'ada', 'Ada', '{}', '2026-12-01T10:00:00.000Z');
    INSERT INTO chatwire_threads (id, created_at, name, user_id, tags, metadata)
      VALUES ('t1', '2026-12-01T10:00:00.000Z', 'Trip', 'u1', '["x"]', '{}');
    INSERT INTO chatwire_steps (id, thread_id, kind, name, type, output, start_at, actions)
      VALUES ('m1', 't1', 'message', 'Ada', 'user_message', 'plan my trip', '2026-12-01T10:00:00.000Z', '[]');
    INSERT INTO chatwire_steps (id, thread_id, kind, name, type, output, start_at, actions, stopped)
      VALUES ('m2', 't1', 'message', 'Assistant', 'assistant_message', 'to Oslo', '2026-12-01T10:00:01.000Z', '[]',
        'user');
    INSERT INTO chatwire_feedbacks (id, for_id, value, comment) VALUES ('f1', 'm2', 1, 'good');
    INSERT INTO chatwire_elements (id, thread_id, for_id, name, url) VALUES ('e1', 't1', 'm2', 'map', '/map.png');
    INSERT INTO chatwire_turns (id, thread_id, input, node_id, state, attempts, started_at)
      VALUES ('turn-live', 't1', '{"content":"plan my trip"}', 'node-gone', 'running', 1, '2026-12-01T10:00:00.000Z');
    INSERT INTO chatwire_turns (id, thread_id, input, node_id, state, attempts, started_at, ended_at)
      VALUES ('turn-done', 't1', '{"content":"hi"}', 'node-gone', 'done', 1, '2026-11-30T10:00:00.000Z',
        '2026-11-30T10:00:01.000Z');
    INSERT INTO chatwire_turn_steps (turn_id, place, output) VALUES ('turn-live', '/search#0', '{"hits":3}');
  `);
  db.close();
}

describe("schema version 14 on a version-13 SQLite file", () => {
  test("every row is still there, and reads back through the layer", async () => {
    const path = freshPath();
    versionThirteen(path);
    const layer = createSqliteLayer({ path });
    await layer.migrate();
    const thread = await layer.loadThread("t1");
    const open = await layer.turns?.openTurns("t1");
    const orphans = await layer.turns?.countOrphans("node-here");
    const user = await layer.getUser("ada");
    await layer.close();

    assert.equal(thread?.name, "Trip");
    assert.equal(thread?.userIdentifier, "ada");
    assert.deepEqual(
      thread?.steps.map((s) => (s.kind === "message" ? [s.id, s.content, s.stopped] : [s.id])),
      [
        ["m1", "plan my trip", undefined],
        ["m2", "to Oslo", "user"],
      ],
    );
    assert.deepEqual(thread?.steps[1]?.feedback, { id: "f1", forId: "m2", value: 1, comment: "good" });
    assert.deepEqual(
      thread?.elements.map((e) => [e.id, e.forId]),
      [["e1", "m2"]],
    );
    assert.equal(user?.displayName, "Ada");
    assert.deepEqual(
      open?.map((t) => [t.id, t.state, [...t.steps]]),
      [["turn-live", "running", [["/search#0", '{"hits":3}']]]],
    );
    assert.equal(orphans, 1);

    const db = new Database(path, { readonly: true });
    const turns = db.prepare("SELECT id, state FROM chatwire_turns ORDER BY id").all();
    const versions = db.prepare("SELECT version FROM chatwire_migrations ORDER BY version").all() as {
      version: number;
    }[];
    const plan = db
      .prepare(`EXPLAIN QUERY PLAN SELECT COUNT(*) AS n FROM chatwire_turns
        WHERE state IN ('running', 'waiting', 'recovered') AND node_id <> ?`)
      .all("node-here") as { detail: string }[];
    db.close();
    assert.deepEqual(turns, [
      { id: "turn-done", state: "done" },
      { id: "turn-live", state: "running" },
    ]);
    assert.deepEqual(
      versions.map((row) => row.version),
      sqliteMigrations.map((m) => m.version),
    );
    // Either index of live turns (both partial, version 14 and 18): the ended turns are never read.
    assert.match(plan.map((row) => row.detail).join("\n"), /chatwire_turns_live_by_(node|thread)/);
  });

  test("writes after the migration go on from the old rows: a new message sorts after them", async () => {
    const path = freshPath();
    versionThirteen(path);
    const layer = createSqliteLayer({ path });
    await layer.migrate();
    await layer.apply([{ kind: "message", threadId: "t1", message: message("m3", "and back") }]);
    const thread = await layer.loadThread("t1");
    await layer.close();
    assert.deepEqual(
      thread?.steps.map((s) => s.id),
      ["m1", "m2", "m3"],
    );
  });
});

/** The turn rows of a SQLite file: id, state, reason, whether it has an end time. */
function turnRows(path: string): { id: string; state: string; reason: string | null; ended: number }[] {
  const db = new Database(path, { readonly: true });
  const rows = db
    .prepare("SELECT id, state, reason, ended_at IS NOT NULL AS ended FROM chatwire_turns ORDER BY id")
    .all() as { id: string; state: string; reason: string | null; ended: number }[];
  db.close();
  return rows;
}

const start = (id: string): DataWrite => ({
  kind: "turn_start",
  turn: { id, threadId: "t1", input: { content: "hi" }, nodeId: "node-1", startedAt: "2026-12-06T10:00:00.000Z" },
});

describe("turns that end in the batch that starts them", () => {
  test("are stored once, already ended, with the last end's state and reason", async () => {
    const path = freshPath();
    const layer = createSqliteLayer({ path });
    await layer.migrate();
    await layer.createThread({ id: "t1" });
    await layer.apply([
      start("a"),
      { kind: "turn_step", turnId: "a", place: "/tool#0", output: "1" },
      { kind: "message", threadId: "t1", message: message("m1", "answer") },
      { kind: "turn_end", id: "a", state: "failed", reason: "error" },
      { kind: "turn_end", id: "a", state: "stopped", reason: "user" },
      start("b"),
    ]);
    const openB = await layer.turns?.openTurns("t1");
    await layer.apply([{ kind: "turn_end", id: "b", state: "done" }]);
    const openAfter = await layer.turns?.openTurns("t1");
    await layer.close();
    assert.deepEqual(turnRows(path), [
      { id: "a", state: "stopped", reason: "user", ended: 1 },
      { id: "b", state: "done", reason: null, ended: 1 },
    ]);
    assert.deepEqual(
      openB?.map((t) => t.id),
      ["b"],
    );
    assert.deepEqual(openAfter, []);
  });

  test("one that ends done there, with no step in the batch, leaves no row; a thread's live turns are read by the live index", async () => {
    const path = freshPath();
    const layer = createSqliteLayer({ path });
    await layer.migrate();
    await layer.createThread({ id: "t1" });
    await layer.apply([
      start("quick"),
      { kind: "message", threadId: "t1", message: message("m1", "answer") },
      { kind: "turn_end", id: "quick", state: "done" },
      start("stepped"),
      { kind: "turn_step", turnId: "stepped", place: "/tool#0", output: "1" },
      { kind: "turn_end", id: "stepped", state: "done" },
      start("cut"),
      { kind: "turn_end", id: "cut", state: "stopped", reason: "user" },
      start("live"),
    ]);
    const open = await layer.turns?.openTurns("t1");
    const thread = await layer.loadThread("t1");
    await layer.close();
    assert.deepEqual(turnRows(path), [
      { id: "cut", state: "stopped", reason: "user", ended: 1 },
      { id: "live", state: "running", reason: null, ended: 0 },
      { id: "stepped", state: "done", reason: null, ended: 1 },
    ]);
    assert.deepEqual(
      open?.map((t) => t.id),
      ["live"],
    );
    assert.deepEqual(
      thread?.steps.map((s) => s.id),
      ["m1"],
    );
    const db = new Database(path, { readonly: true });
    const plan = db
      .prepare(`EXPLAIN QUERY PLAN SELECT * FROM chatwire_turns WHERE thread_id = ?
        AND state IN ('running', 'waiting', 'recovered') ORDER BY started_at, id`)
      .all("t1") as { detail: string }[];
    db.close();
    assert.match(plan.map((row) => row.detail).join("\n"), /chatwire_turns_live_by_thread/);
  });

  test("a start of a turn already stored keeps its row and takes the end; an end before its start stays apart", async () => {
    const path = freshPath();
    const layer = createSqliteLayer({ path });
    await layer.migrate();
    await layer.createThread({ id: "t1" });
    await layer.apply([start("a")]);
    assert.equal(await layer.turns?.claimTurn("a", "node-1", "node-2"), true);
    await layer.apply([start("a"), { kind: "turn_end", id: "a", state: "done" }]);
    // An end written before the start in one batch updates nothing (no row yet): the turn stays running.
    await layer.apply([{ kind: "turn_end", id: "c", state: "done" }, start("c")]);
    const open = await layer.turns?.openTurns("t1");
    await layer.close();
    const db = new Database(path, { readonly: true });
    const a = db.prepare("SELECT node_id, attempts, state FROM chatwire_turns WHERE id = 'a'").get();
    db.close();
    assert.deepEqual(a, { node_id: "node-2", attempts: 2, state: "done" });
    assert.deepEqual(
      open?.map((t) => [t.id, t.state]),
      [["c", "running"]],
    );
  });
});

/** A memory layer that remembers which writes each transaction held (by thread id of `thread` writes). */
function countingLayer(): { layer: DataLayer; batches: string[][] } {
  const inner = createMemoryLayer();
  const batches: string[][] = [];
  const layer: DataLayer = {
    ...inner,
    apply: (writes, options) => {
      batches.push(writes.map((w) => (w.kind === "thread" ? w.thread.id : w.kind)));
      return inner.apply(writes, options);
    },
  };
  return { layer, batches };
}

describe("the write queue's group commit", () => {
  test("a write that arrives from the event loop is not held behind writes that each commit wakes", async () => {
    const { layer, batches } = countingLayer();
    const queue = createWriteQueue(layer, {
      maxQueue: 100,
      maxBatch: 1,
      writeTimeoutMs: 5000,
      onWritten: () => {},
      onLost: () => {},
    });
    const threadWrite = (id: string): DataWrite => ({ kind: "thread", thread: { id } });
    // Like a busy session's lane: two writes a turn, the next turn recorded as soon as the first write of the one
    // before is stored (in a microtask), so the queue is never empty when a batch ends.
    const chain = async () => {
      for (let i = 1; i <= 10; i++) {
        queue.push(`x${i}`, threadWrite(`x${i}`));
        const first = queue.mark();
        queue.push(`x${i}b`, threadWrite(`x${i}b`));
        await queue.settled(first);
      }
    };
    const chained = chain();
    // Like another socket's message: it arrives in a callback of the event loop while the chain runs.
    setImmediate(() => queue.push("y", threadWrite("y")));
    await chained;
    await queue.settled(queue.mark());
    const order = batches.flat();
    assert.ok(order.indexOf("y") < order.indexOf("x10"), `y was held behind the chain: ${JSON.stringify(batches)}`);
    assert.equal(order.length, 21);
  });
});

describe("the write queue's batches", () => {
  test("a durable turn's start and end do not count towards maxBatch: a turn's writes stay in one transaction", async () => {
    const { layer, batches } = countingLayer();
    const queue = createWriteQueue(layer, {
      maxQueue: 100,
      maxBatch: 2,
      writeTimeoutMs: 5000,
      onWritten: () => {},
      onLost: () => {},
    });
    queue.push("t1", { kind: "thread", thread: { id: "t1" } });
    queue.push("t1", { kind: "message", threadId: "t1", message: message("m1", "hi") });
    queue.push("t1", { kind: "turn_start", turn: { id: "a", threadId: "t1", input: {}, nodeId: "n", startedAt: "x" } });
    queue.push("t1", { kind: "turn_end", id: "a", state: "done" });
    // Past maxBatch counted writes: the next transaction.
    queue.push("t1", { kind: "message", threadId: "t1", message: message("m2", "echo") });
    await queue.settled(queue.mark());
    assert.deepEqual(batches, [["t1", "message", "turn_start", "turn_end"], ["message"]]);
  });

  test("a batch of turn starts and ends alone still ends, at twice maxBatch", async () => {
    const { layer, batches } = countingLayer();
    const queue = createWriteQueue(layer, {
      maxQueue: 100,
      maxBatch: 2,
      writeTimeoutMs: 5000,
      onWritten: () => {},
      onLost: () => {},
    });
    for (const id of ["a", "b", "c"]) queue.push("t1", { kind: "turn_end", id, state: "done" });
    for (const id of ["d", "e"]) queue.push("t1", { kind: "turn_end", id, state: "done" });
    await queue.settled(queue.mark());
    assert.deepEqual(
      batches.map((batch) => batch.length),
      [4, 1],
    );
  });
});

describe("the write queue's congestion", () => {
  test("is signalled once a quarter of maxQueue waits, so every live session's next turn still fits", async () => {
    const queue = createWriteQueue(createMemoryLayer(), {
      maxQueue: 8,
      maxBatch: 100,
      writeTimeoutMs: 5000,
      onWritten: () => {},
      onLost: () => {},
    });
    queue.push("t1", { kind: "thread", thread: { id: "t1" } });
    assert.equal(queue.congested(), false);
    queue.push("t2", { kind: "thread", thread: { id: "t2" } });
    assert.equal(queue.congested(), true);
    await queue.settled(queue.mark());
    assert.equal(queue.congested(), false);
  });
});
