// Stop keeps the partial answer: a streamed answer cut by the user, a timeout, a failure or a shutdown ends with
// what was streamed so far and why (stream_end `stopped`), is stored so, and comes back so when the thread is
// reopened, on SQLite and on PostgreSQL.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, type TestContext, test } from "node:test";
import { type ChatContext, createApp, createMemoryLayer, type GatewayOptions } from "chatwire";
import { connectClient } from "chatwire/testing";
import { startGateway } from "../support/gateway.ts";
import { startPostgres, type TestPostgres } from "../support/postgres.ts";

let postgres: TestPostgres | undefined;
before(async () => {
  postgres = await startPostgres();
});
after(() => postgres?.stop());

/** Streams two tokens, then waits for its signal and tries a third (which a stop refuses). */
async function streamThenWait(ctx: ChatContext): Promise<void> {
  const answer = await ctx.stream();
  await answer.streamToken("one ");
  await answer.streamToken("two ");
  await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve, { once: true }));
  await answer.streamToken("three");
}

function streamingApp() {
  const chat = createApp();
  chat.onMessage(async (ctx, message) => {
    if (message.content === "rewrite then fail") {
      const answer = await ctx.stream();
      await answer.streamToken("a first draft");
      await answer.streamToken("the rewrite", { replace: true });
      throw new Error("the model went away");
    }
    if (message.content === "fail") {
      const answer = await ctx.stream();
      await answer.streamToken("so far");
      throw new Error("the model went away");
    }
    await streamThenWait(ctx);
  });
  return chat.seal();
}

type Data = GatewayOptions["data"];

/** Stop mid-stream, then reopen the thread: the partial answer is there with `stopped: "user"`. */
async function stopAndReopen(t: TestContext, data: Data): Promise<void> {
  const server = await startGateway(t, { hooks: streamingApp(), data });
  const first = await connectClient(server);
  const id = first.welcome?.threadId ?? "";
  const secret = first.welcome?.threadSecret ?? "";
  first.send({ type: "user_message", id: "m1", content: "tell me" });
  await first.until("stream_token");
  await first.until("stream_token");
  first.send({ type: "stop" });
  const end = await first.until("stream_end");
  assert.deepEqual([end.content, end.stopped], ["one two ", "user"]);
  assert.equal((await first.until("task_end")).aborted, true);
  assert.equal(
    first.received.filter((f) => f.type === "stream_token").length,
    2,
    "nothing streamed after the stop reached the client",
  );
  await first.close();

  const second = await connectClient(server, { hello: false });
  second.send({ type: "hello", protocol: 1, thread: { id, secret } });
  await second.until("welcome");
  const history = await second.until("thread_history");
  const answers = history.steps.filter((s) => s.kind === "message" && s.role === "assistant");
  assert.deepEqual(
    answers.map((s) => (s.kind === "message" ? [s.content, s.stopped] : [])),
    [["one two ", "user"]],
  );
  await second.close();
}

test("stop mid-stream: the partial answer ends with `user` and is there, marked, when reopened (SQLite)", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "chatwire-partial-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  await stopAndReopen(t, { sqlite: join(dir, "chat.db") });
});

test("stop mid-stream: the partial answer ends with `user` and is there, marked, when reopened (PostgreSQL)", async (t) => {
  assert.ok(postgres !== undefined);
  await stopAndReopen(t, { postgres: postgres.url });
});

/** Runs one message through a memory-backed gateway and returns the stored assistant messages. */
async function storedAnswers(t: TestContext, content: string, options: Partial<GatewayOptions> = {}) {
  const layer = createMemoryLayer();
  await layer.migrate();
  const server = await startGateway(t, { hooks: streamingApp(), data: layer, ...options });
  const client = await connectClient(server);
  client.send({ type: "user_message", id: "m1", content });
  const end = await client.until("stream_end", 3000);
  await client.until("task_end", 3000);
  const stored = await layer.loadThread(client.welcome?.threadId ?? "");
  await client.close();
  const answers = (stored?.steps ?? []).flatMap((s) =>
    s.kind === "message" && s.role === "assistant" ? [[s.content, s.stopped]] : [],
  );
  return { end, answers, client };
}

test("a task past its time limit: the partial answer ends and is stored with `timeout`", async (t) => {
  const { end, answers } = await storedAnswers(t, "tell me", { taskTimeoutMs: 150 });
  assert.deepEqual([end.content, end.stopped], ["one two ", "timeout"]);
  assert.deepEqual(answers, [["one two ", "timeout"]]);
});

test("a handler that fails mid-stream: the partial answer ends with `error` before the error frame", async (t) => {
  const { end, answers, client } = await storedAnswers(t, "fail");
  assert.deepEqual([end.content, end.stopped], ["so far", "error"]);
  assert.deepEqual(answers, [["so far", "error"]]);
  const types = client.received.map((f) => f.type);
  assert.ok(types.indexOf("stream_end") < types.indexOf("error"), "the answer ends, then the failure is told");
});

test("a stream whose text was replaced and then cut: the partial answer is the replacement, not both", async (t) => {
  const { end, answers } = await storedAnswers(t, "rewrite then fail");
  assert.deepEqual([end.content, end.stopped], ["the rewrite", "error"]);
  assert.deepEqual(answers, [["the rewrite", "error"]]);
});

test("a shutdown mid-stream: the partial answer is stored with `shutdown`", async (t) => {
  const layer = createMemoryLayer();
  await layer.migrate();
  const server = await startGateway(t, { hooks: streamingApp(), data: layer });
  const client = await connectClient(server);
  const threadId = client.welcome?.threadId ?? "";
  client.send({ type: "user_message", id: "m1", content: "tell me" });
  await client.until("stream_token");
  await client.until("stream_token");
  await server.close();
  const stored = await layer.loadThread(threadId);
  const answers = (stored?.steps ?? []).flatMap((s) =>
    s.kind === "message" && s.role === "assistant" ? [[s.content, s.stopped]] : [],
  );
  // The handler went on streaming after the shutdown's abort (a shutdown does not silence it): all it sent is kept.
  assert.deepEqual(answers, [["one two three", "shutdown"]]);
  await client.close();
});
