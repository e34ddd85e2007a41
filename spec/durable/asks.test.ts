// Stored asks (docs/durability.md#stored-asks), with real processes on the built package and a SQLite file: a turn
// waits on an askText when its process is killed with kill -9; the restarted process shows the ask again to the
// client that comes back, refuses the answer of another user, and the owner's answer resumes the turn through
// recovery — the ask not asked again, the step before it not run again — to one complete answer.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import { connectClient } from "chatwire/testing";
import { logIn } from "../support/cluster.ts";
import { comeBack, streamed } from "../support/durable.ts";
import { startAppProcess } from "../support/process.ts";

const SECRET = "durable-asks-test-secret-0123456789abcdef";

/** Starts spec/fixtures/ask-app.ts; `kill` is kill -9. */
const startApp = (t: TestContext, env: Record<string, string>) =>
  startAppProcess(t, "spec/fixtures/ask-app.ts", { CHATWIRE_AUTH_SECRET: SECRET, ...env });

const WHOLE = "looked up. hello Ada. ";
const TWO_DAYS_MS = 2 * 24 * 3600 * 1000;

test("kill -9 while an askText waits: after the restart the ask is shown again, another user's answer is refused, the owner's answer finishes the turn", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "chatwire-asks-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const env = { DATA_PATH: join(dir, "chatwire.db"), COUNTER_DIR: dir };
  const count = (name: string) => readFileSync(join(dir, name), "utf8").length;

  const first = await startApp(t, env);
  const ada = await logIn(first.port, "ada");
  const client = await connectClient(first.url, { headers: ada.headers });
  const welcome = client.welcome ?? assert.fail("no welcome");
  client.send({ type: "user_message", id: "m1", content: "greet someone" });
  const answerId = (await client.until("stream_start", 10_000)).message.id;
  const asked = await client.until("ask", 10_000);
  assert.equal(asked.kind, "text");
  assert.equal(asked.timeoutMs, TWO_DAYS_MS);
  assert.equal(streamed(client, answerId), "looked up. ");
  await first.kill();
  assert.equal(count("step1"), 1);

  const second = await startApp(t, env);
  const headers = (await logIn(second.port, "ada")).headers;
  const { again, history, at } = await comeBack(second.url, welcome, client.lastSeq, headers);
  const partial = history.steps.find((step) => step.id === answerId);
  assert.equal(partial?.kind === "message" ? partial.content : "", "looked up. ");

  // The pending ask comes again, same id and question, with what is left of its two days.
  const shown = await again.until("ask", 10_000);
  assert.equal(shown.askId, asked.askId);
  assert.equal(shown.message.content, "Whom should I greet?");
  assert.ok(shown.timeoutMs <= TWO_DAYS_MS && shown.timeoutMs > TWO_DAYS_MS - 60_000);

  // Another signed-in user cannot answer it (fail closed: refused as an ask they have not got), and the turn goes on
  // waiting for its owner (whose answer, not Mallory, ends up in it below).
  const bob = await connectClient(second.url, { headers: (await logIn(second.port, "bob")).headers });
  bob.send({ type: "ask_reply", askId: asked.askId, content: "Mallory" });
  const refused = await bob.until("error", 10_000);
  assert.equal(refused.code, "UNKNOWN_ASK");
  assert.equal(refused.replyTo, asked.askId);
  await bob.close();

  again.send({ type: "ask_reply", askId: asked.askId, content: "Ada" });
  const ended = await again.until("ask_end", 10_000);
  assert.deepEqual([ended.askId, ended.outcome], [asked.askId, "answered"]);
  const reopened = await again.until("stream_start", 15_000);
  assert.equal(reopened.message.id, answerId);
  assert.equal(reopened.message.recovered, true);
  // The turn was run again only once answered (it waited, not claimed, while the ask was open).
  assert.ok(again.received.indexOf(shown) < again.received.indexOf(ended));
  assert.ok(again.received.indexOf(ended) < again.received.indexOf(reopened));
  const end = await again.until("stream_end", 15_000);
  assert.equal(end.id, answerId);
  assert.equal(end.content, WHOLE);
  assert.equal(streamed(again, answerId, at), WHOLE);
  await again.until("task_end", 10_000);
  // The re-run got the stored answer: the ask was not sent a second time, and nothing else was asked.
  assert.equal(again.received.filter((frame) => frame.type === "ask").length, 1);
  assert.equal(
    again.received.some((frame) => frame.type === "error"),
    false,
  );
  assert.deepEqual([count("step1"), count("step2")], [1, 1]);
  // The same answer again is refused: the ask was answered once.
  again.send({ type: "ask_reply", askId: asked.askId, content: "Ada" });
  assert.equal((await again.until("error", 10_000)).code, "UNKNOWN_ASK");
  await again.close();

  // Reopened later: the one complete answer, and nothing is asked or recovered again.
  const third = await connectClient(second.url, { headers, hello: false });
  third.send({ type: "hello", protocol: 1, thread: { id: welcome.threadId } });
  const last = await third.until("thread_history", 10_000);
  const messages = last.steps.flatMap((step) =>
    step.kind === "message" && step.role !== "user" && step.id === answerId ? [step.content] : [],
  );
  assert.deepEqual(messages, [WHOLE]);
  await third.close();
  assert.deepEqual([count("step1"), count("step2")], [1, 1]);
});

/** Asks in a new session on `url`, for ada, then lets that session go by `leave`; returns what the next client
 * needs: the thread, the ask's id and the answer's id. */
async function askThenLeave(url: string, headers: Record<string, string>, leave: () => Promise<void>) {
  const client = await connectClient(url, { headers });
  const threadId = client.welcome?.threadId ?? assert.fail("no welcome");
  client.send({ type: "user_message", id: "m1", content: "greet someone" });
  const answerId = (await client.until("stream_start", 10_000)).message.id;
  const { askId } = await client.until("ask", 10_000);
  await client.close();
  await leave();
  return { threadId, askId, answerId };
}

/** Reopens `threadId` on `url`: the ask is shown again; answered, the turn ends with the one whole answer. */
async function answerLater(
  url: string,
  headers: Record<string, string>,
  left: { threadId: string; askId: string; answerId: string },
) {
  const client = await connectClient(url, { headers, hello: false });
  client.send({ type: "hello", protocol: 1, thread: { id: left.threadId } });
  const history = await client.until("thread_history", 10_000);
  const at = client.received.indexOf(history);
  assert.equal((await client.until("ask", 10_000)).askId, left.askId);
  client.send({ type: "ask_reply", askId: left.askId, content: "Ada" });
  const end = await client.until("stream_end", 15_000);
  assert.deepEqual([end.id, end.content, end.stopped], [left.answerId, WHOLE, undefined]);
  assert.equal(streamed(client, left.answerId, at), WHOLE);
  await client.until("task_end", 10_000);
  await client.close();
}

test("a stored ask outlives its session: the client gone past the grace, its answer on return resumes the turn", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "chatwire-asks-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const app = await startApp(t, { DATA_PATH: join(dir, "chatwire.db"), COUNTER_DIR: dir, RECONNECT_GRACE_MS: "200" });
  const { headers } = await logIn(app.port, "ada");
  // The session ends 200 ms after its client left (its handler's ask cancelled there): waited out well past that.
  const left = await askThenLeave(app.url, headers, () => new Promise((resolve) => setTimeout(resolve, 1500)));
  await answerLater(app.url, headers, left);
  assert.deepEqual(
    ["step1", "step2"].map((name) => readFileSync(join(dir, name), "utf8").length),
    [1, 1],
  );
});

test("a stored ask outlives a graceful restart (SIGTERM, a deploy): answered after it, the turn finishes", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "chatwire-asks-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const env = { DATA_PATH: join(dir, "chatwire.db"), COUNTER_DIR: dir };
  const first = await startApp(t, env);
  const left = await askThenLeave(first.url, (await logIn(first.port, "ada")).headers, async () => {
    assert.equal(await first.kill("SIGTERM"), 0, "a graceful stop: its sessions ended `shutdown`");
  });
  const second = await startApp(t, env);
  await answerLater(second.url, (await logIn(second.port, "ada")).headers, left);
  assert.deepEqual(
    ["step1", "step2"].map((name) => readFileSync(join(dir, name), "utf8").length),
    [1, 1],
  );
});
