// Durable turns on one node (docs/durability.md), with real processes on the built package and a SQLite file:
// kill -9 the process after 2 of a turn's 3 steps, start it again on the same file, and the client that comes back
// sees its one answer continue to its end — same message, nothing twice — while the finished steps ran once.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import { connectClient } from "chatwire/testing";
import { comeBack, streamed } from "../support/durable.ts";
import { eventually } from "../support/gateway.ts";
import { startAppProcess } from "../support/process.ts";

/** Starts spec/fixtures/durable-app.ts; `kill` is kill -9. */
const startApp = (t: TestContext, env: Record<string, string>) =>
  startAppProcess(t, "spec/fixtures/durable-app.ts", env);

const WHOLE = "result 1. result 2. result 3. ";

test("kill -9 after step 2 of 3: the restarted process finishes the answer once, steps 1 and 2 not run again", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "chatwire-durable-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const env = { DATA_PATH: join(dir, "chatwire.db"), COUNTER_DIR: dir };
  const count = (n: number) => readFileSync(join(dir, `step${n}`), "utf8").length;

  const first = await startApp(t, { ...env, HANG_AFTER_STEP_2: "1" });
  const client = await connectClient(first.url);
  const welcome = client.welcome ?? assert.fail("no welcome");
  client.send({ type: "user_message", id: "m1", content: "three steps, please" });
  const start = await client.until("stream_start", 10_000);
  const answerId = start.message.id;
  await eventually(() => streamed(client, answerId) === "result 1. result 2. ", 10_000);
  await first.kill();
  assert.equal(count(1), 1);
  assert.equal(count(2), 1);

  const second = await startApp(t, env);
  const { again, history, at } = await comeBack(second.url, welcome, client.lastSeq);
  const stored = history.steps.find((step) => step.id === answerId);
  assert.equal(stored?.kind, "message");
  const partial = stored?.kind === "message" ? stored.content : "";
  assert.ok(WHOLE.startsWith(partial), `the stored partial "${partial}" is a start of the answer`);

  // The same message continues, marked recovered, from what the reopened history showed: nothing twice.
  const reopened = await again.until("stream_start", 15_000);
  assert.equal(reopened.message.id, answerId);
  assert.equal(reopened.message.recovered, true);
  assert.equal(reopened.message.content, partial);
  const end = await again.until("stream_end", 15_000);
  assert.equal(end.id, answerId);
  assert.equal(end.content, WHOLE);
  assert.equal(end.stopped, undefined);
  assert.equal(streamed(again, answerId, at), WHOLE);
  const tokens = again.received.flatMap((frame) => (frame.type === "stream_token" ? [frame] : []));
  assert.equal(partial + tokens.map((frame) => frame.token).join(""), WHOLE);
  assert.ok(tokens.every((frame) => frame.replace !== true));
  // One answer: no other assistant message appeared, in the history or after it.
  const newMessages = again.received.filter((frame) => frame.type === "message_new");
  assert.deepEqual(newMessages, []);
  await again.until("task_end", 10_000);
  assert.deepEqual([count(1), count(2), count(3)], [1, 1, 1]);
  await again.close();

  // Reopened once more: the stored thread has the one whole answer, and nothing is recovered again.
  const third = await connectClient(second.url, { hello: false });
  third.send({
    type: "hello",
    protocol: 1,
    thread: { id: welcome.threadId, ...(welcome.threadSecret ? { secret: welcome.threadSecret } : {}) },
  });
  const last = await third.until("thread_history", 10_000);
  const messages = last.steps.flatMap((step) => (step.kind === "message" ? [[step.role, step.content]] : []));
  assert.deepEqual(messages, [
    ["user", "three steps, please"],
    ["assistant", WHOLE],
  ]);
  // The answer is stored as recovered (and shown so when the thread is reopened); the user's message is not.
  const recovered = last.steps.flatMap((step) => (step.kind === "message" ? [step.recovered ?? false] : []));
  assert.deepEqual(recovered, [false, true]);
  const tools = last.steps.filter((step) => step.kind === "step");
  assert.deepEqual(
    tools.map((step) => (step.kind === "step" ? step.output : "")),
    [1, 2, 3].map((n) => JSON.stringify({ n, text: `result ${n}. ` })),
  );
  await third.close();
  assert.deepEqual([count(1), count(2), count(3)], [1, 1, 1]);
});
