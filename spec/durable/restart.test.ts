// Durable turns on one node (docs/durability.md), with real processes on the built package and a SQLite file:
// kill -9 the process after 2 of a turn's 3 steps, start it again on the same file, and the client that comes back
// sees its one answer continue to its end — same message, nothing twice — while the finished steps ran once.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type TestContext, test } from "node:test";
import { connectClient, type TestClient } from "chatwire/testing";
import { eventually } from "../support/gateway.ts";
import { typescriptLoader } from "../support/process.ts";

const listening = /node listening at http:\/\/127\.0\.0\.1:(\d+)/;

/** Starts spec/fixtures/durable-app.ts; `kill` is kill -9. */
async function startApp(t: TestContext, env: Record<string, string>) {
  const child: ChildProcess = spawn(process.execPath, [...typescriptLoader, resolve("spec/fixtures/durable-app.ts")], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  t.after(async () => {
    child.kill("SIGKILL");
    await exited;
  });
  let output = "";
  for (const stream of [child.stdout, child.stderr]) stream?.on("data", (chunk) => (output += String(chunk)));
  await eventually(() => listening.test(output) || child.exitCode !== null, 45_000);
  const port = Number(listening.exec(output)?.[1]);
  if (!port) throw new Error(`the app did not start:\n${output}`);
  return {
    url: `ws://127.0.0.1:${port}/ws`,
    output: () => output,
    kill: async () => {
      process.kill(child.pid ?? -1, "SIGKILL");
      await exited;
    },
  };
}

/** What a client was shown of one message's stream: start content plus every token, as the client applies them. */
function streamed(client: TestClient, id: string, from = 0): string {
  let content = "";
  for (const frame of client.received.slice(from)) {
    if (frame.type === "stream_start" && frame.message.id === id) content = frame.message.content;
    if (frame.type === "stream_token" && frame.id === id)
      content = frame.replace === true ? frame.token : content + frame.token;
  }
  return content;
}

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
  const again = await connectClient(second.url, { hello: false });
  again.send({
    type: "hello",
    protocol: 1,
    resume: { sessionId: welcome.sessionId, resumeToken: welcome.resumeToken, lastSeq: client.lastSeq },
    thread: { id: welcome.threadId, ...(welcome.threadSecret ? { secret: welcome.threadSecret } : {}) },
  });
  assert.equal((await again.until("resume_failed", 10_000)).reason, "expired");
  const history = await again.until("thread_history", 10_000);
  const stored = history.steps.find((step) => step.id === answerId);
  assert.equal(stored?.kind, "message");
  const partial = stored?.kind === "message" ? stored.content : "";
  assert.ok(WHOLE.startsWith(partial), `the stored partial "${partial}" is a start of the answer`);
  const at = again.received.indexOf(history);

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
