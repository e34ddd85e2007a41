// Another process holding the SQLite write lock freezes no one: a bystander keeps chatting, reads answer, the writes
// that cannot commit fail with PERSISTENCE_FAILED at their deadline, and whatever was acknowledged is stored.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import Fastify from "fastify";
import { createSqliteLayer } from "../../lib/data/sqlite.ts";
import { chatwire } from "../../lib/gateway/plugin.ts";
import { createApp } from "../../lib/hooks/registrars.ts";
import type { ServerFrame } from "../../lib/protocol/server.ts";
import { connectClient, type TestClient } from "../../lib/testing/index.ts";
import { pause } from "../support/gateway.ts";
import { holdSqliteLock } from "../support/sqlite-lock.ts";

const WRITE_TIMEOUT_MS = 600;

/** The error frames `client` received that answer the frame `replyTo`. */
const errorsFor = (client: TestClient, replyTo: string) =>
  client.received.filter(
    (f): f is Extract<ServerFrame, { type: "error" }> => f.type === "error" && f.replyTo === replyTo,
  );

/** Waits (bounded) until an error frame answering `replyTo` arrives. */
async function errorFor(client: TestClient, replyTo: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (errorsFor(client, replyTo).length === 0) {
    if (Date.now() > deadline) throw new Error(`no error answering ${replyTo} within ${timeoutMs} ms`);
    await pause(10);
  }
  return errorsFor(client, replyTo)[0];
}

test("a bystander chats and reads answer while another process holds the SQLite lock; lost writes say so", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "chatwire-lock-"));
  const path = join(dir, "chatwire.db");
  const layer = createSqliteLayer({ path });
  await layer.migrate();
  const chat = createApp();
  chat.onMessage(async (ctx, message) => {
    await ctx.send(`echo ${message.content}`);
  });
  chat.onChatResume(async (ctx) => {
    await ctx.send("welcome back");
  });
  const server = Fastify({ logger: false });
  await server.register(chatwire, { hooks: chat.seal(), data: layer, writeTimeoutMs: WRITE_TIMEOUT_MS });
  await server.listen({ host: "127.0.0.1", port: 0 });
  t.after(async () => {
    await server.close();
    await layer.close();
    rmSync(dir, { recursive: true, force: true });
  });

  // Before the lock: each of the two sessions has a stored thread.
  const writer = await connectClient(server);
  const bystander = await connectClient(server);
  writer.send({ type: "user_message", id: "w0", content: "w0" });
  const reply = await writer.until("message_new");
  await writer.until("task_end");
  bystander.send({ type: "user_message", id: "b0", content: "b0" });
  await bystander.until("task_end");

  const lock = await holdSqliteLock(path, 60_000);
  t.after(() => lock.release());
  writer.send({ type: "user_message", id: "w1", content: "w1" });
  writer.send({ type: "feedback", id: "f1", messageId: reply.message.id, value: 1 });
  // The writer's writes now wait for the lock; the bystander's replies do not wait for them.
  for (const id of ["b1", "b2", "b3"]) {
    bystander.send({ type: "user_message", id, content: id });
    assert.equal((await bystander.until("message_new", 2000)).message.content, `echo ${id}`);
  }
  // Reads need no write lock: the thread route and reopening a thread answer at once.
  const threadId = writer.welcome?.threadId ?? "";
  const secret = writer.welcome?.threadSecret ?? "";
  const address = server.server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  const stored = await fetch(`http://127.0.0.1:${port}/threads/${threadId}`, {
    headers: { "x-chatwire-thread-secret": secret },
    signal: AbortSignal.timeout(2000),
  });
  assert.equal(stored.status, 200);
  const steps = ((await stored.json()) as { steps: { content?: string }[] }).steps.map((s) => s.content);
  assert.deepEqual(steps.slice(0, 2), ["w0", "echo w0"]);
  const reader = await connectClient(server, { hello: false });
  reader.send({
    type: "hello",
    protocol: 1,
    thread: { id: bystander.welcome?.threadId ?? "", secret: bystander.welcome?.threadSecret ?? "" },
  });
  const history = await reader.until("thread_history", 2000);
  assert.deepEqual(
    history.steps.slice(0, 2).map((s) => (s.kind === "message" ? s.content : s.name)),
    ["b0", "echo b0"],
  );

  // The writer's turn and feedback could not be stored: each is answered PERSISTENCE_FAILED, naming its frame.
  assert.equal((await errorFor(writer, "w1", WRITE_TIMEOUT_MS + 5000))?.code, "PERSISTENCE_FAILED");
  assert.equal((await errorFor(writer, "f1", WRITE_TIMEOUT_MS + 5000))?.code, "PERSISTENCE_FAILED");
  assert.ok(!writer.received.some((f) => f.type === "feedback_saved"));

  // Once the lock is gone, the same session stores again, and what it acknowledges is there.
  await lock.release();
  writer.send({ type: "user_message", id: "w2", content: "w2" });
  await writer.until("task_end", 5000);
  writer.send({ type: "feedback", id: "f2", messageId: reply.message.id, value: 0 });
  assert.equal((await writer.until("feedback_saved", 5000)).replyTo, "f2");
  assert.deepEqual(errorsFor(writer, "w2"), []);
  const thread = await layer.loadThread(threadId);
  const users = thread?.steps.filter((s) => s.kind === "message" && s.role === "user");
  assert.deepEqual(
    users?.map((s) => (s.kind === "message" ? s.content : "")),
    ["w0", "w2"],
  );
  assert.equal(thread?.steps.find((s) => s.id === reply.message.id)?.feedback?.value, 0);
  await Promise.all([writer.close(), bystander.close(), reader.close()]);
});
