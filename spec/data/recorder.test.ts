// The recorder: what each frame stores, thread naming, streams, batching, and that no loss goes unreported.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { DataLayer, DataWrite } from "../../lib/data/layer.ts";
import { createMemoryLayer } from "../../lib/data/memory.ts";
import { createRecorder, PersistenceError, type RecorderFailure } from "../../lib/data/recorder.ts";
import { createRecordingLogger } from "../../lib/logger.ts";
import { message, step } from "./contract.ts";

const migrated = async (): Promise<DataLayer> => {
  const layer = createMemoryLayer();
  await layer.migrate();
  return layer;
};

/** A layer that counts transactions and can be held shut until `open()`. */
const gated = (inner: DataLayer) => {
  const batches: (readonly DataWrite[])[] = [];
  let release: () => void = () => {};
  let gate: Promise<void> = Promise.resolve();
  return {
    batches,
    close: () => {
      gate = new Promise((resolve) => {
        release = resolve;
      });
    },
    open: () => release(),
    layer: {
      ...inner,
      apply: async (writes: readonly DataWrite[]) => {
        batches.push(writes);
        await gate;
        return inner.apply(writes);
      },
    } satisfies DataLayer,
  };
};

test("a whole conversation is stored in the order it was emitted, streamed content complete", async () => {
  const layer = await migrated();
  const recorder = createRecorder(layer);
  recorder.ensureThread({ id: "t1", owner: { identifier: "ada", displayName: "Ada" }, tags: ["demo"] });
  recorder.recordUserMessage("t1", {
    id: "u1",
    content: "Weather in Oslo?",
    createdAt: "2024-05-01T10:00:00Z",
    author: "Ada",
  });
  recorder.record("t1", { type: "task_start", taskId: "k1" });
  recorder.record("t1", { type: "step", step: step("s1", { input: "Oslo" }) });
  recorder.record("t1", { type: "stream_start", message: message("a1", "") });
  for (const token of ["It ", "is ", "sunny"]) recorder.record("t1", { type: "stream_token", id: "a1", token });
  recorder.record("t1", {
    type: "step",
    step: step("s1", { input: "Oslo", output: "sun", end: "2024-05-01T10:00:02Z" }),
  });
  recorder.record("t1", { type: "stream_end", id: "a1", content: "It is sunny" });
  const action = { id: "x1", name: "more", label: "More", payload: {}, messageId: "a2" };
  recorder.record("t1", { type: "message_new", message: message("a2", "Anything else?", { actions: [action] }) });
  recorder.record("t1", {
    type: "ask",
    askId: "q1",
    kind: "text",
    message: message("a3", "Which day?"),
    timeoutMs: 1000,
  });
  recorder.record("t1", { type: "task_end", taskId: "k1" });
  recorder.recordFeedback("t1", { id: "f1", messageId: "a1", value: 1, comment: "nice" });
  await recorder.flush("t1");

  const thread = await layer.loadThread("t1");
  assert.equal(thread?.name, "Weather in Oslo?");
  assert.equal(thread?.userIdentifier, "ada");
  assert.deepEqual(thread?.tags, ["demo"]);
  assert.deepEqual(thread?.steps, [
    {
      kind: "message",
      ...message("u1", "Weather in Oslo?", { role: "user", author: "Ada", createdAt: "2024-05-01T10:00:00Z" }),
    },
    { kind: "step", ...step("s1", { input: "Oslo", output: "sun", end: "2024-05-01T10:00:02Z" }) },
    {
      kind: "message",
      ...message("a1", "It is sunny"),
      feedback: { id: "f1", forId: "a1", value: 1, comment: "nice" },
    },
    { kind: "message", ...message("a2", "Anything else?", { actions: [action] }) },
    { kind: "message", ...message("a3", "Which day?") },
  ]);
});

test("the first user message names the thread (first line, cut to 80 characters); a set name is kept", async () => {
  const layer = await migrated();
  const recorder = createRecorder(layer);
  recorder.ensureThread({ id: "t1" });
  recorder.ensureThread({ id: "t2", name: "Chosen" });
  const long = `${"a".repeat(100)}\nsecond line`;
  recorder.recordUserMessage("t1", { id: "u1", content: long, createdAt: "2024-05-01T10:00:00Z", author: "me" });
  recorder.recordUserMessage("t1", { id: "u2", content: "later", createdAt: "2024-05-01T10:00:01Z", author: "me" });
  recorder.recordUserMessage("t2", { id: "u3", content: "hello", createdAt: "2024-05-01T10:00:00Z", author: "me" });
  await recorder.flush();
  assert.equal((await layer.getThread("t1"))?.name, `${"a".repeat(79)}…`);
  assert.equal((await layer.getThread("t2"))?.name, "Chosen");
});

test("flush stores what a stream has so far; stream_end then stores the final text", async () => {
  const layer = await migrated();
  const recorder = createRecorder(layer);
  recorder.ensureThread({ id: "t1" });
  recorder.record("t1", { type: "stream_start", message: message("a1", "") });
  recorder.record("t1", { type: "stream_token", id: "a1", token: "Hel" });
  recorder.record("t1", { type: "stream_token", id: "a1", token: "lo" });
  await recorder.flush("t1");
  const partial = (await layer.loadThread("t1"))?.steps[0];
  assert.equal(partial?.kind === "message" ? partial.content : undefined, "Hello");
  recorder.record("t1", { type: "stream_token", id: "a1", token: " world" });
  recorder.record("t1", { type: "stream_end", id: "a1", content: "Hello world!" });
  await recorder.flush("t1");
  const steps = (await layer.loadThread("t1"))?.steps ?? [];
  assert.equal(steps.length, 1);
  assert.equal(steps[0]?.kind === "message" ? steps[0].content : undefined, "Hello world!");
});

test("recording returns before anything is written; writes of one tick share one transaction", async () => {
  const { layer, batches } = gated(await migrated());
  const recorder = createRecorder(layer);
  recorder.ensureThread({ id: "t1" });
  for (let i = 0; i < 100; i++) recorder.record("t1", { type: "message_new", message: message(`m${i}`, `n${i}`) });
  assert.equal(batches.length, 0);
  assert.equal(await layer.getThread("t1"), undefined);
  await recorder.flush();
  assert.equal(batches.length, 1);
  assert.equal(batches[0]?.length, 101);
  assert.equal((await layer.loadThread("t1"))?.steps.length, 100);
  assert.deepEqual(recorder.stats(), { queued: 101, written: 101, failed: 0, dropped: 0 });
});

test("batches are cut at maxBatch writes", async () => {
  const { layer, batches } = gated(await migrated());
  const recorder = createRecorder(layer, { maxBatch: 10 });
  recorder.ensureThread({ id: "t1" });
  for (let i = 0; i < 29; i++) recorder.record("t1", { type: "message_new", message: message(`m${i}`, "x") });
  await recorder.flush();
  assert.deepEqual(
    batches.map((batch) => batch.length),
    [10, 10, 10],
  );
});

test("a failing write is reported and fails that thread's flush once; the rest of its batch is stored", async () => {
  const layer = await migrated();
  const failures: RecorderFailure[] = [];
  const log = createRecordingLogger();
  const recorder = createRecorder(layer, { log, onError: (failure) => failures.push(failure) });
  recorder.ensureThread({ id: "t1" });
  recorder.ensureThread({ id: "t2" });
  recorder.record("t1", { type: "message_new", message: message("m1", "kept") });
  recorder.recordFeedback("t1", { id: "f1", messageId: "no-such-message", value: 0 });
  recorder.record("t2", { type: "message_new", message: message("m2", "kept too") });
  await recorder.flush("t2");
  await assert.rejects(recorder.flush("t1"), (error) => error instanceof PersistenceError);
  await recorder.flush("t1");
  assert.equal(failures.length, 1);
  assert.equal(failures[0]?.reason, "write_failed");
  assert.deepEqual(failures[0]?.threadIds, ["t1"]);
  assert.equal(failures[0]?.writes, 1);
  assert.equal(log.entries.filter((entry) => entry.level === "error").length, 1);
  assert.equal((await layer.loadThread("t1"))?.steps.length, 1);
  assert.equal((await layer.loadThread("t2"))?.steps.length, 1);
  assert.deepEqual(recorder.stats(), { queued: 5, written: 4, failed: 1, dropped: 0 });
});

test("a full queue drops new writes, reports each, and fails the flush of the thread concerned", async () => {
  const gate = gated(await migrated());
  gate.close();
  const failures: RecorderFailure[] = [];
  const recorder = createRecorder(gate.layer, { maxQueue: 5, onError: (failure) => failures.push(failure) });
  recorder.ensureThread({ id: "t1" });
  await new Promise((resolve) => setImmediate(resolve)); // the first batch is now in flight, held by the gate
  for (let i = 0; i < 8; i++) recorder.record("t1", { type: "message_new", message: message(`m${i}`, "x") });
  assert.deepEqual(
    failures.map((failure) => failure.reason),
    ["queue_full", "queue_full", "queue_full"],
  );
  gate.open();
  await assert.rejects(recorder.flush("t1"), (error) => error instanceof PersistenceError);
  assert.equal((await gate.layer.loadThread("t1"))?.steps.length, 5);
  assert.equal(recorder.stats().dropped, 3);
});

test("a database that refuses everything is reported, never silent", async () => {
  const layer: DataLayer = {
    ...(await migrated()),
    apply: async () => {
      throw new Error("connection refused");
    },
  };
  const failures: RecorderFailure[] = [];
  const recorder = createRecorder(layer, { onError: (failure) => failures.push(failure) });
  recorder.ensureThread({ id: "t1" });
  recorder.record("t1", { type: "message_new", message: message("m1", "x") });
  await assert.rejects(recorder.flush(), /2 write\(s\) not persisted/);
  assert.equal(failures.length, 1);
  assert.equal(failures[0]?.writes, 2);
  assert.match(String(failures[0]?.error), /connection refused/);
});

test("stream_end for a stream never started is reported; session frames store nothing", async () => {
  const layer = await migrated();
  const failures: RecorderFailure[] = [];
  const recorder = createRecorder(layer, { onError: (failure) => failures.push(failure) });
  recorder.record("t1", { type: "task_start", taskId: "k" });
  recorder.record("t1", { type: "audio_state", connected: true });
  recorder.record("t1", { type: "window_message", data: { x: 1 } });
  recorder.record("t1", { type: "ask_end", askId: "q", outcome: "answered" });
  assert.equal(recorder.stats().queued, 0);
  recorder.record("t1", { type: "stream_end", id: "ghost", content: "boo" });
  assert.equal(failures[0]?.reason, "unknown_stream");
});

test("message_delete, feedback deletion, elements and thread patches reach the layer", async () => {
  const layer = await migrated();
  const recorder = createRecorder(layer);
  recorder.ensureThread({ id: "t1" });
  recorder.record("t1", { type: "message_new", message: message("m1", "a") });
  recorder.record("t1", { type: "message_new", message: message("m2", "b") });
  recorder.recordFeedback("t1", { id: "f1", messageId: "m2", value: 1 });
  recorder.record("t1", { type: "message_delete", id: "m1" });
  recorder.deleteFeedback("t1", "m2");
  const chart = { id: "e1", name: "chart.png", url: "/chart.png", mime: "image/png" };
  recorder.record("t1", { type: "message_new", message: { ...message("m3", "see"), elements: [chart] } });
  recorder.updateThread("t1", { metadata: { session: { turns: 2 } } });
  await recorder.flush("t1");
  const thread = await layer.loadThread("t1");
  assert.deepEqual(
    thread?.steps.map((s) => [s.id, s.feedback]),
    [
      ["m2", undefined],
      ["m3", undefined],
    ],
  );
  assert.deepEqual(thread?.elements, [{ ...chart, forId: "m3" }]);
  assert.deepEqual(thread?.metadata, { session: { turns: 2 } });
});

test("after close, writes are refused and reported", async () => {
  const layer = await migrated();
  const failures: RecorderFailure[] = [];
  const recorder = createRecorder(layer, { onError: (failure) => failures.push(failure) });
  recorder.ensureThread({ id: "t1" });
  await recorder.close();
  assert.ok(await layer.getThread("t1"));
  recorder.record("t1", { type: "message_new", message: message("m1", "late") });
  assert.equal(failures.length, 1);
  assert.deepEqual((await layer.loadThread("t1"))?.steps, []);
});

test("long messages are committed a few at a time, so that no transaction holds the event loop for long", async () => {
  const gate = gated(await migrated());
  const recorder = createRecorder(gate.layer);
  recorder.ensureThread({ id: "t1" });
  await recorder.flush();
  const long = "x".repeat(50_000);
  for (let i = 0; i < 10; i++) recorder.record("t1", { type: "message_new", message: message(`m${i}`, long) });
  recorder.record("t1", { type: "message_new", message: message("short", "short") });
  await recorder.flush();
  const sizes = gate.batches.slice(1).map((batch) => batch.length);
  assert.deepEqual(sizes, [3, 3, 3, 2], "about 128 K characters per transaction");
  assert.equal((await gate.layer.loadThread("t1"))?.steps.length, 11);
});

test("every flush waiting on a lost write hears of it (each would vouch for it); a later flush does not", async () => {
  const gate = gated(await migrated());
  const recorder = createRecorder(gate.layer);
  recorder.ensureThread({ id: "t1" });
  await recorder.flush("t1");
  gate.close();
  recorder.recordFeedback("t1", { id: "f1", messageId: "no-such-message", value: 1 }); // refused by the database
  const first = recorder.flush("t1");
  recorder.record("t1", { type: "message_new", message: message("m1", "stored") });
  const second = recorder.flush("t1");
  gate.open();
  await assert.rejects(first, PersistenceError);
  await assert.rejects(second, PersistenceError, "the second flush covers the lost feedback too");
  await recorder.flush("t1");
  assert.deepEqual(
    (await gate.layer.loadThread("t1"))?.steps.map((s) => s.id),
    ["m1"],
  );
});
