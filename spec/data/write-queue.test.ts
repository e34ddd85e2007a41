// The recorder's queue with several batches in flight (a layer's `batchesInFlight`, PostgreSQL's pool): batches
// overlap only across threads, a thread's writes stay in order, a flush waits for every earlier batch, and a loss
// in one batch is reported to its own thread's flush only.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { DataLayer, DataWrite } from "../../lib/data/layer.ts";
import { createMemoryLayer } from "../../lib/data/memory.ts";
import { createPostgresLayer } from "../../lib/data/postgres.ts";
import { createRecorder, PersistenceError } from "../../lib/data/recorder.ts";
import { startPostgres, type TestPostgres } from "../support/postgres.ts";
import { message } from "./contract.ts";

/** The thread a write belongs to (the writes these tests make all name one). */
const threadOf = (write: DataWrite): string | undefined => {
  if (write.kind === "thread") return write.thread.id;
  return "threadId" in write ? write.threadId : undefined;
};

/** A memory layer taking `inFlight` batches at once, each held until the test releases it. */
const held = async (inFlight: number) => {
  const inner = createMemoryLayer();
  await inner.migrate();
  const batches: { writes: readonly DataWrite[]; release: () => void; done: boolean }[] = [];
  const layer: DataLayer = {
    ...inner,
    batchesInFlight: inFlight,
    apply: async (writes) => {
      const batch = { writes, release: () => {}, done: false };
      const gate = new Promise<void>((resolve) => {
        batch.release = resolve;
      });
      batches.push(batch);
      await gate;
      try {
        await inner.apply(writes);
      } finally {
        batch.done = true;
      }
    },
  };
  return { inner, layer, batches };
};

const ticks = async (n = 3) => {
  for (let i = 0; i < n; i++) await new Promise<void>((resolve) => setImmediate(resolve));
};

const threadsOf = (writes: readonly DataWrite[]) => new Set(writes.map(threadOf));

test("batches in flight at once hold different threads; a thread's next write waits for its batch", async () => {
  const { inner, layer, batches } = await held(4);
  const recorder = createRecorder(layer);
  for (let t = 0; t < 150; t++) recorder.ensureThread({ id: `t${t}` });
  for (let t = 0; t < 150; t++) recorder.record(`t${t}`, { type: "message_new", message: message(`a${t}`, "first") });
  await ticks();
  assert.equal(batches.length, 2);
  const [first, second] = batches.map((batch) => threadsOf(batch.writes));
  assert.ok([...(first ?? [])].every((thread) => !second?.has(thread)));
  // Every thread whole in one batch: its creation with its message.
  assert.equal((first?.size ?? 0) + (second?.size ?? 0), 150);
  assert.equal(
    batches.reduce((sum, batch) => sum + batch.writes.length, 0),
    300,
  );
  // t0's next write waits for t0's batch even with slots free; new threads' writes take a free slot.
  recorder.record("t0", { type: "message_new", message: message("b0", "second") });
  for (let t = 0; t < 60; t++) {
    recorder.ensureThread({ id: `fresh${t}` });
    recorder.record(`fresh${t}`, { type: "message_new", message: message(`f${t}`, "fresh") });
  }
  await ticks();
  assert.equal(batches.length, 3);
  assert.ok([...threadsOf(batches[2]?.writes ?? [])].every((thread) => thread?.startsWith("fresh")));
  assert.equal(batches[2]?.writes.length, 100);
  // Release every batch, and those the releases let start, until the flush is through.
  const release = setInterval(() => {
    for (const batch of batches) batch.release();
  }, 1);
  try {
    await recorder.flush();
  } finally {
    clearInterval(release);
  }
  const t0 = await inner.loadThread("t0");
  assert.deepEqual(
    t0?.steps.map((s) => s.id),
    ["a0", "b0"],
  );
  assert.equal((await inner.loadThread("fresh59"))?.steps.length, 1);
  assert.deepEqual(recorder.stats(), { queued: 421, written: 421, failed: 0, dropped: 0 });
});

test("a few writes wait for the batch in flight rather than start a small batch beside it", async () => {
  const { layer, batches } = await held(4);
  const recorder = createRecorder(layer);
  recorder.ensureThread({ id: "a" });
  await ticks();
  assert.equal(batches.length, 1);
  recorder.ensureThread({ id: "b" });
  recorder.ensureThread({ id: "c" });
  await ticks();
  assert.equal(batches.length, 1);
  batches[0]?.release();
  await ticks();
  assert.equal(batches.length, 2);
  assert.equal(batches[1]?.writes.length, 2);
  batches[1]?.release();
  await recorder.flush();
});

test("a flush waits for every earlier batch, not only its own thread's", async () => {
  const { layer, batches } = await held(2);
  const recorder = createRecorder(layer);
  for (let t = 0; t < 300; t++) recorder.ensureThread({ id: `t${t}` });
  await ticks();
  assert.equal(batches.length, 2);
  const last = [...threadsOf(batches[1]?.writes ?? [])][0] ?? "";
  let flushed = false;
  const flush = recorder.flush(last).then(() => {
    flushed = true;
  });
  batches[1]?.release();
  await ticks();
  assert.equal(batches[1]?.done, true);
  assert.equal(flushed, false, "the later batch alone settled a flush the earlier one covers");
  batches[0]?.release();
  await flush;
});

test("a write refused in one batch fails its own thread's flush; the batch beside it is stored", async () => {
  const { inner, layer, batches } = await held(4);
  const recorder = createRecorder(layer);
  for (let t = 0; t < 150; t++) recorder.ensureThread({ id: `t${t}` });
  for (let t = 0; t < 150; t++) recorder.record(`t${t}`, { type: "message_new", message: message(`a${t}`, "kept") });
  recorder.recordFeedback("t0", { id: "f1", messageId: "no-such-message", value: 0 });
  await ticks();
  assert.ok(batches.length >= 2);
  const bad = batches.findIndex((batch) => threadsOf(batch.writes).has("t0"));
  const other = bad === 0 ? 1 : 0;
  const otherThread = [...threadsOf(batches[other]?.writes ?? [])][0] ?? "";
  const release = setInterval(() => {
    for (const batch of batches) batch.release();
  }, 1);
  try {
    await recorder.flush(otherThread);
    await assert.rejects(recorder.flush("t0"), (error) => error instanceof PersistenceError);
    await recorder.flush("t0");
  } finally {
    clearInterval(release);
  }
  assert.equal((await inner.loadThread("t0"))?.steps.length, 1);
  assert.equal((await inner.loadThread(otherThread))?.steps.length, 1);
  assert.deepEqual(recorder.stats(), { queued: 301, written: 300, failed: 1, dropped: 0 });
});

test("threads of one owner are not created by two batches at once (their owner's row would be locked twice)", async () => {
  const { layer, batches } = await held(4);
  const recorder = createRecorder(layer);
  const owner = { identifier: "ada", metadata: {} };
  for (let t = 0; t < 150; t++) recorder.ensureThread({ id: `t${t}`, owner });
  for (let t = 0; t < 150; t++) recorder.ensureThread({ id: `u${t}` });
  await ticks();
  const owning = batches.filter((batch) => batch.writes.some((write) => write.kind === "thread" && write.owner));
  assert.equal(owning.length, 1);
  assert.ok(batches.length >= 2);
  const release = setInterval(() => {
    for (const batch of batches) batch.release();
  }, 1);
  try {
    await recorder.flush();
  } finally {
    clearInterval(release);
  }
  assert.deepEqual(recorder.stats(), { queued: 300, written: 300, failed: 0, dropped: 0 });
});

describe("on PostgreSQL", () => {
  let server: TestPostgres;
  before(async () => {
    server = await startPostgres();
  });
  after(async () => {
    await server?.stop();
  });

  test("conversations awaiting their flushes are written by overlapping batches, each thread in order", async () => {
    const postgres = createPostgresLayer({ connectionString: server.url, batchesInFlight: 4 });
    await postgres.migrate();
    let running = 0;
    let most = 0;
    const layer: DataLayer = {
      ...postgres,
      apply: async (writes, options) => {
        most = Math.max(most, ++running);
        try {
          await postgres.apply(writes, options);
        } finally {
          running--;
        }
      },
    };
    const recorder = createRecorder(layer);
    const conversation = async (threadId: string) => {
      recorder.ensureThread({ id: threadId });
      for (let i = 0; i < 4; i++) {
        recorder.record(threadId, { type: "message_new", message: message(`${threadId}-${i}`, `n${i}`) });
        await recorder.flush(threadId);
      }
    };
    try {
      await Promise.all(Array.from({ length: 250 }, (_, t) => conversation(`c${t}`)));
      assert.ok(most >= 2, `at most ${most} batch in flight`);
      for (let t = 0; t < 250; t++) {
        const thread = await postgres.loadThread(`c${t}`);
        assert.deepEqual(
          thread?.steps.map((s) => s.id),
          Array.from({ length: 4 }, (_, i) => `c${t}-${i}`),
        );
      }
      assert.deepEqual(recorder.stats(), { queued: 1250, written: 1250, failed: 0, dropped: 0 });
    } finally {
      await postgres.close();
    }
  });
});
