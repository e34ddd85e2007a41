// An orphaned turn that is not run again ends with a reason the user sees (docs/durability.md): recovery off, too
// many attempts, or an onTurnRecover that throws. A process that is not the one that ran the turn opens the same
// SQLite file, as a restart would; the first gateway's turn hangs, as a killed process's would have.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import { createApp, type GatewayOptions } from "chatwire";
import { connectClient, type TestClient } from "chatwire/testing";
import { eventually, startGateway } from "../support/gateway.ts";

/** A turn that streams "half " after one step, then runs a second (whose commit stores the "half " streamed so far),
 * then waits until its gateway closes. */
function hangingApp() {
  const chat = createApp();
  chat.onMessage(async (ctx) => {
    const answer = await ctx.stream();
    await ctx.step({ name: "tool" }, () => "done");
    await answer.streamToken("half ");
    await ctx.step({ name: "tool" }, () => "done again");
    await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve, { once: true }));
  });
  return chat;
}

/** Leaves a running turn in the SQLite file at `path`; the welcome of its client, to reopen its thread with. */
async function orphanIn(t: TestContext, path: string) {
  const hooks = hangingApp().seal();
  // Its sweeper off: it shares the file with the gateway that reopens the thread, and would take its turns.
  const first = await startGateway(t, { hooks, data: { sqlite: path }, endGraceMs: 100, orphanSweepMs: 0 });
  const client = await connectClient(`ws://127.0.0.1:${portOf(first)}/ws`);
  client.send({ type: "user_message", id: "m1", content: "go" });
  const start = await client.until("stream_start");
  await eventually(() => client.received.filter((frame) => frame.type === "step").length === 4);
  return { welcome: client.welcome ?? assert.fail("no welcome"), answerId: start.message.id };
}

const portOf = (server: { server: { address(): unknown } }) => (server.server.address() as { port: number }).port;

/** Reopens the thread on a second gateway on the same file. */
async function reopen(
  t: TestContext,
  path: string,
  orphan: Awaited<ReturnType<typeof orphanIn>>,
  options: Partial<GatewayOptions<Record<string, unknown>>>,
): Promise<TestClient> {
  const chat = createApp();
  chat.onMessage(async (ctx) => {
    await ctx.send("the default recovery ran onMessage");
  });
  const hooks = options.hooks ?? chat.seal();
  // The sweeper off: a reopening client's recovery is what is tested here (headless.test.ts tests the sweeper's).
  const second = await startGateway(t, { orphanSweepMs: 0, ...options, hooks, data: { sqlite: path } });
  const client = await connectClient(`ws://127.0.0.1:${portOf(second)}/ws`, { hello: false });
  const { threadId, threadSecret } = orphan.welcome;
  client.send({
    type: "hello",
    protocol: 1,
    thread: { id: threadId, ...(threadSecret ? { secret: threadSecret } : {}) },
  });
  return client;
}

function fileIn(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), "chatwire-refusals-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, "chatwire.db");
}

test("recovery off: the partial answer ends node_lost and TURN_NOT_RECOVERED says why; only once", async (t) => {
  const path = fileIn(t);
  const orphan = await orphanIn(t, path);
  const client = await reopen(t, path, orphan, { recoverTurns: false });
  const error = await client.until("error", 5000);
  assert.equal(error.code, "TURN_NOT_RECOVERED");
  assert.match(error.message, /recovery of interrupted turns is off/);
  const update = client.received.find((frame) => frame.type === "message_update");
  assert.equal(update?.type === "message_update" && update.message.id, orphan.answerId);
  assert.equal(update?.type === "message_update" && update.message.stopped, "node_lost");
  assert.equal(update?.type === "message_update" && update.message.content, "half ");
  await client.close();

  // Stored so: reopened again, the answer comes back node_lost and nothing is refused a second time.
  const again = await reopen(t, path, orphan, { recoverTurns: false });
  const history = await again.until("thread_history");
  const answer = history.steps.find((step) => step.id === orphan.answerId);
  assert.equal(answer?.kind === "message" && answer.stopped, "node_lost");
  again.send({ type: "user_message", id: "m2", content: "still there?" });
  await again.until("task_end");
  assert.equal(
    again.received.some((frame) => frame.type === "error"),
    false,
  );
  await again.close();
});

test("past maxTurnAttempts: the turn is not run again, and the user is told", async (t) => {
  const path = fileIn(t);
  const orphan = await orphanIn(t, path);
  const client = await reopen(t, path, orphan, { maxTurnAttempts: 1 });
  const error = await client.until("error", 5000);
  assert.equal(error.code, "TURN_NOT_RECOVERED");
  assert.match(error.message, /interrupted too many times/);
  assert.equal(
    client.received.some((frame) => frame.type === "message_new"),
    false,
  );
  await client.close();
});

test("an onTurnRecover that throws: HANDLER_FAILED, and the partial answer it did not continue ends node_lost", async (t) => {
  const path = fileIn(t);
  const orphan = await orphanIn(t, path);
  const chat = createApp();
  const seen: { attempt: number; input: string; steps: [string, unknown][]; answer?: string }[] = [];
  chat.onTurnRecover((_ctx, turn) => {
    seen.push({
      attempt: turn.attempt,
      input: turn.input.content,
      steps: [...turn.steps],
      ...(turn.answer === undefined ? {} : { answer: turn.answer.content }),
    });
    throw new Error("cannot resume this one");
  });
  const client = await reopen(t, path, orphan, { hooks: chat.seal() });
  const error = await client.until("error", 5000);
  assert.equal(error.code, "HANDLER_FAILED");
  await eventually(() => client.received.some((frame) => frame.type === "message_update"));
  const update = client.received.find((frame) => frame.type === "message_update");
  assert.equal(update?.type === "message_update" && update.message.stopped, "node_lost");
  assert.equal(seen.length, 1);
  assert.equal(seen[0]?.attempt, 2);
  assert.equal(seen[0]?.input, "go");
  assert.deepEqual(seen[0]?.steps, [
    ["/tool#0", "done"],
    ["/tool#1", "done again"],
  ]);
  assert.equal(seen[0]?.answer, "half ");
  await client.close();
});

test("the default recovery runs onMessage again: its first message is the turn's first one, updated and marked", async (t) => {
  const path = fileIn(t);
  const orphan = await orphanIn(t, path);
  const client = await reopen(t, path, orphan, {});
  const update = await client.until("message_update", 5000);
  assert.equal(update.message.id, orphan.answerId);
  assert.equal(update.message.content, "the default recovery ran onMessage");
  assert.equal(update.message.recovered, true);
  await client.until("task_end");
  assert.equal(
    client.received.some((frame) => frame.type === "message_new" || frame.type === "error"),
    false,
  );
  await client.close();
});

test("a recovered turn its session did not get to run is let go, not kept: the next reopen recovers it", async (t) => {
  const path = fileIn(t);
  const orphan = await orphanIn(t, path);
  const chat = createApp();
  let resumes = 0;
  // The first reopen's onChatResume is slow: its client leaves before the recovered turn queued behind it runs.
  chat.onChatResume(async (ctx) => {
    resumes += 1;
    if (resumes === 1) await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve, { once: true }));
  });
  chat.onMessage(async (ctx, message) => {
    await ctx.send(`ran ${message.content}`);
  });
  const second = await startGateway(t, { hooks: chat.seal(), data: { sqlite: path }, orphanSweepMs: 0 });
  const url = `ws://127.0.0.1:${portOf(second)}/ws`;
  const { threadId, threadSecret } = orphan.welcome;
  const hello = {
    type: "hello",
    protocol: 1,
    thread: { id: threadId, ...(threadSecret ? { secret: threadSecret } : {}) },
  };

  const first = await connectClient(url, { hello: false });
  first.send(hello as Parameters<TestClient["send"]>[0]);
  await first.until("thread_history", 5000);
  await eventually(() => resumes === 1);
  await first.close(); // 1000: the session ends now, its queued recovery unrun

  // Claimed by this node but never run: let go, so this node's next reopen claims and runs it.
  const again = await connectClient(url, { hello: false });
  again.send(hello as Parameters<TestClient["send"]>[0]);
  // Its first send has the id of the partial answer it continues: a message_update (as in the test above).
  const update = await again.until("message_update", 5000);
  assert.deepEqual([update.message.id, update.message.content], [orphan.answerId, "ran go"]);
  await again.close();
});
