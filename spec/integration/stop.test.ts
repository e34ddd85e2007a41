// Stop as users expect it: a task that waits the documented way (its signal passed on) ends quietly on `stop`,
// whatever Node wraps the abort in; a task that ignores its signal is silenced (every send rejects with
// TaskAborted); task_end says the task was stopped.
import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { abortKind, type ChatContext, createApp, createSqliteLayer, isAbortOf, TaskAborted } from "chatwire";
import { connectClient } from "chatwire/testing";
import { pause, startGateway } from "../support/gateway.ts";

/** A local HTTP server that never answers: a fetch to it waits until aborted. */
async function slowServer(t: import("node:test").TestContext): Promise<string> {
  const server = createServer(() => {});
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  const address = server.address();
  assert.ok(address !== null && typeof address === "object");
  return `http://127.0.0.1:${address.port}/`;
}

type Wait = (ctx: ChatContext, url: string) => Promise<unknown>;
const waits: Record<string, Wait> = {
  "timers/promises setTimeout": (ctx) => sleep(60_000, undefined, { signal: ctx.signal }),
  fetch: (ctx, url) => fetch(url, { signal: ctx.signal }),
  "events.once": (ctx) => once(new PassThrough(), "never", { signal: ctx.signal }),
  "stream.pipeline": (ctx) =>
    pipeline(new PassThrough(), new Writable({ write: (_chunk, _encoding, done) => done() }), { signal: ctx.signal }),
};

for (const [name, wait] of Object.entries(waits)) {
  test(`a task waiting with ${name} given ctx.signal ends quietly on stop: no error, task_end aborted`, async (t) => {
    const url = await slowServer(t);
    const chat = createApp();
    const caught: unknown[] = [];
    chat.onMessage(async (ctx, message) => {
      if (message.content !== "wait") {
        await ctx.send("still here");
        return;
      }
      await ctx.send("waiting");
      try {
        await wait(ctx, url);
      } catch (error) {
        caught.push(error);
        throw error; // rethrown as-is, as most code does
      }
    });
    const server = await startGateway(t, { hooks: chat.seal() });
    const client = await connectClient(server);
    client.send({ type: "user_message", id: "m1", content: "wait" });
    await client.until("message_new");
    client.send({ type: "stop" });
    const end = await client.until("task_end");
    assert.equal(end.aborted, true, "task_end says the task was stopped");
    client.send({ type: "user_message", id: "m2", content: "next" });
    assert.equal((await client.until("message_new")).message.content, "still here");
    const errors = client.received.filter((frame) => frame.type === "error");
    assert.deepEqual(errors, [], "a stop is not a failure");
    assert.equal(caught.length, 1);
    await client.close();
  });
}

test("isAbortOf recognises the errors Node makes from an abort, and nothing else", async () => {
  const controller = new AbortController();
  controller.abort(new TaskAborted("stop"));
  const { signal } = controller;
  const fromTimer = await sleep(10, undefined, { signal }).catch((error: unknown) => error);
  const fromOnce = await once(new PassThrough(), "x", { signal }).catch((error: unknown) => error);
  assert.equal(isAbortOf(fromTimer, signal), true);
  assert.equal(isAbortOf(fromOnce, signal), true);
  assert.equal(isAbortOf(new Error("wrapped", { cause: signal.reason }), signal), true);
  assert.equal(isAbortOf(new Error("unrelated"), signal), false);
  assert.equal(isAbortOf(fromTimer, new AbortController().signal), false, "not aborted: never an abort of it");
});

test("Chainlit's stop_task: Message 1, a sleep that ignores the signal, Message 2 never reaches client or store", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "chatwire-stop-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const layer = createSqliteLayer({ path: join(dir, "chat.db") });
  await layer.migrate();
  const chat = createApp();
  const outcome: { second?: unknown; kind?: string | undefined } = {};
  let stopped = false;
  chat.onMessage(async (ctx) => {
    await ctx.send("Message 1");
    await pause(300); // a literal port: the signal is not passed
    try {
      await ctx.send("Message 2");
    } catch (error) {
      outcome.second = error;
      outcome.kind = abortKind(ctx.signal);
      throw error;
    }
  });
  chat.onStop(() => {
    stopped = true;
  });
  const server = await startGateway(t, { hooks: chat.seal(), data: layer });
  const client = await connectClient(server);
  client.send({ type: "user_message", id: "m1", content: "go" });
  assert.equal((await client.until("message_new")).message.content, "Message 1");
  client.send({ type: "stop" });
  const end = await client.until("task_end", 3000);
  assert.equal(end.aborted, true);
  assert.ok(outcome.second instanceof TaskAborted, "the send after stop rejects with TaskAborted");
  assert.equal(outcome.kind, "stop");
  assert.equal(stopped, true, "onStop still runs");
  await pause(100);
  const contents = client.received.flatMap((frame) => (frame.type === "message_new" ? [frame.message.content] : []));
  assert.deepEqual(contents, ["Message 1"]);
  assert.deepEqual(
    client.received.filter((frame) => frame.type === "error"),
    [],
  );
  const threadId = client.welcome?.threadId;
  assert.ok(threadId);
  await client.close();
  await server.close();
  const stored = await layer.loadThread(threadId);
  const storedText = JSON.stringify(stored?.steps ?? []);
  assert.match(storedText, /Message 1/);
  assert.doesNotMatch(storedText, /Message 2/, "nothing from the stopped task reaches the store");
  await layer.close();
});

test("a task that runs to its end has no aborted flag on task_end", async (t) => {
  const chat = createApp();
  chat.onMessage(async (ctx) => {
    await ctx.send("done");
  });
  const client = await connectClient(await startGateway(t, { hooks: chat.seal() }));
  client.send({ type: "user_message", id: "m1", content: "x" });
  const end = await client.until("task_end");
  assert.equal("aborted" in end, false);
  await client.close();
});
