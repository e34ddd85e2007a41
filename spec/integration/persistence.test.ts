// Conversations are stored as they happen and reopen through onChatResume, for their owner only.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createMemoryLayer } from "../../lib/data/memory.ts";
import type { ThreadDict } from "../../lib/hooks/payloads.ts";
import { createApp } from "../../lib/hooks/registrars.ts";
import { connectClient } from "../../lib/testing/index.ts";
import { startGateway } from "../support/gateway.ts";

function notesApp() {
  const chat = createApp<{ notes: string[]; handle: unknown }>();
  const resumed: ThreadDict[] = [];
  chat.headerAuth((headers) =>
    typeof headers["x-user"] === "string" ? { identifier: headers["x-user"] } : { identifier: "anonymous-guest" },
  );
  chat.onChatStart(async (ctx) => {
    await ctx.send("Welcome");
  });
  chat.onMessage(async (ctx, message) => {
    const notes = [...(ctx.session.get("notes") ?? []), message.content];
    ctx.session.set("notes", notes);
    ctx.session.set("handle", () => "functions are not JSON");
    const reply = await ctx.stream();
    for (const word of ["noted", " ", String(notes.length)]) await reply.streamToken(word);
    await reply.endStream();
  });
  chat.onChatResume(async (ctx, thread) => {
    resumed.push(thread);
    await ctx.send(`resumed with ${(ctx.session.get("notes") ?? []).join(",")}`);
  });
  return { hooks: chat.seal(), resumed };
}

function anonymousApp() {
  const chat = createApp<{ count: number }>();
  chat.onMessage(async (ctx, message) => {
    ctx.session.set("count", (ctx.session.get("count") ?? 0) + 1);
    await ctx.send(`echo ${message.content}`);
  });
  chat.onChatResume(async (ctx) => {
    await ctx.send(`count ${ctx.session.get("count")}`);
  });
  return chat.seal();
}

test("a conversation is stored by task_end and reopens with its history, store and onChatResume", async (t) => {
  const layer = createMemoryLayer();
  await layer.migrate();
  const { hooks, resumed } = notesApp();
  const server = await startGateway(t, { hooks, data: layer });
  const headers = { "x-user": "ada" };
  const first = await connectClient(server, { headers });
  const threadId = first.welcome?.threadId ?? "";
  assert.equal(first.welcome?.threadSecret, undefined, "users own their threads: no secret");
  await first.until("task_end"); // onChatStart's greeting
  for (const content of ["buy milk", "call bob"]) {
    first.send({ type: "user_message", id: content, content });
    await first.until("task_end");
  }
  const stored = await layer.loadThread(threadId);
  assert.deepEqual(
    stored?.steps.map((s) => (s.kind === "message" ? `${s.role}:${s.content}` : s.kind)),
    ["assistant:Welcome", "user:buy milk", "assistant:noted 1", "user:call bob", "assistant:noted 2"],
    "everything up to task_end is stored",
  );
  assert.equal(stored?.name, "buy milk", "the first user message names the thread");
  await first.close();

  const second = await connectClient(server, { headers, hello: false });
  second.send({ type: "hello", protocol: 1, thread: { id: threadId } });
  await second.until("welcome");
  const history = await second.until("thread_history");
  assert.equal(history.threadId, threadId);
  assert.deepEqual(
    history.steps.map((s) => (s.kind === "message" ? s.content : s.name)),
    ["Welcome", "buy milk", "noted 1", "call bob", "noted 2"],
  );
  assert.equal((await second.until("message_new")).message.content, "resumed with buy milk,call bob");
  assert.equal(resumed.length, 1);
  assert.equal(resumed[0]?.id, threadId);
  assert.equal(resumed[0]?.userIdentifier, "ada");
  assert.equal(resumed[0]?.steps.length, 5);
  await second.close();
  const metadata = (await layer.getThread(threadId))?.metadata as { chatwireSession?: Record<string, unknown> };
  assert.deepEqual(Object.keys(metadata.chatwireSession ?? {}), ["notes"], "the function was skipped, not stored");
});

test("another user cannot reopen a thread by id: THREAD_NOT_FOUND, then a fresh conversation", async (t) => {
  const layer = createMemoryLayer();
  await layer.migrate();
  const { hooks, resumed } = notesApp();
  const server = await startGateway(t, { hooks, data: layer });
  const owner = await connectClient(server, { headers: { "x-user": "ada" } });
  await owner.until("task_end"); // onChatStart's greeting
  owner.send({ type: "user_message", id: "m", content: "secret plans" });
  await owner.until("task_end");
  await owner.close();
  const threadId = owner.welcome?.threadId ?? "";

  for (const id of [threadId, "no-such-thread"]) {
    const intruder = await connectClient(server, { headers: { "x-user": "mallory" }, hello: false });
    intruder.send({ type: "hello", protocol: 1, thread: { id } });
    const refusal = await intruder.next();
    assert.equal(refusal.type === "error" && refusal.code, "THREAD_NOT_FOUND");
    assert.equal(
      refusal.type === "error" && refusal.message,
      "no such thread (or not yours); a new conversation starts",
    );
    const welcome = await intruder.until("welcome");
    assert.notEqual(welcome.threadId, threadId);
    assert.ok(!intruder.received.some((f) => f.type === "thread_history"));
    await intruder.close();
  }
  assert.equal(resumed.length, 0);
  const list = await server.inject({ method: "GET", url: "/threads", headers: { "x-user": "mallory" } });
  assert.equal(list.statusCode, 200);
  assert.deepEqual((list.json() as { threads: unknown[] }).threads, []);
  const read = await server.inject({ method: "GET", url: `/threads/${threadId}`, headers: { "x-user": "mallory" } });
  assert.equal(read.statusCode, 404);
});

test("an anonymous thread reopens only with the secret issued in its welcome", async (t) => {
  const layer = createMemoryLayer();
  await layer.migrate();
  const server = await startGateway(t, { hooks: anonymousApp(), data: layer });
  const first = await connectClient(server);
  const secret = first.welcome?.threadSecret;
  assert.ok(secret !== undefined && secret.length >= 32);
  first.send({ type: "user_message", id: "m", content: "hello" });
  await first.until("task_end");
  await first.close();
  const id = first.welcome?.threadId ?? "";

  const wrong = await connectClient(server, { hello: false });
  wrong.send({ type: "hello", protocol: 1, thread: { id, secret: "guess" } });
  const refusal = await wrong.next();
  assert.equal(refusal.type === "error" && refusal.code, "THREAD_NOT_FOUND");
  await wrong.close();

  const right = await connectClient(server, { hello: false });
  right.send({ type: "hello", protocol: 1, thread: { id, secret } });
  const welcome = await right.until("welcome");
  assert.equal(welcome.threadId, id);
  assert.equal(welcome.threadSecret, undefined, "the secret is issued once");
  assert.equal((await right.until("thread_history")).steps.length, 2);
  assert.equal((await right.until("message_new")).message.content, "count 1");
  await right.close();
});

test("a visitor who never writes leaves no thread behind", async (t) => {
  const layer = createMemoryLayer();
  await layer.migrate();
  const { hooks } = notesApp();
  const server = await startGateway(t, { hooks, data: layer });
  const visitor = await connectClient(server, { headers: { "x-user": "ada" } });
  await visitor.until("message_new");
  await visitor.close();
  assert.equal(await layer.getThread(visitor.welcome?.threadId ?? ""), undefined);
});

test("feedback on a stored message is stored and updated in place", async (t) => {
  const layer = createMemoryLayer();
  await layer.migrate();
  const server = await startGateway(t, { hooks: anonymousApp(), data: layer });
  const client = await connectClient(server);
  client.send({ type: "user_message", id: "m", content: "rate me" });
  const reply = await client.until("message_new");
  await client.until("task_end");
  client.send({ type: "feedback", id: "f1", messageId: reply.message.id, value: 1 });
  await client.until("feedback_saved");
  client.send({ type: "feedback", id: "f2", messageId: reply.message.id, value: 0, comment: "meh" });
  await client.until("feedback_saved");
  client.send({ type: "user_message", id: "m2", content: "flush" });
  await client.until("task_end");
  const thread = await layer.loadThread(client.welcome?.threadId ?? "");
  const rated = thread?.steps.find((s) => s.id === reply.message.id);
  assert.deepEqual(
    rated && "feedback" in rated ? { value: rated.feedback?.value, comment: rated.feedback?.comment } : undefined,
    { value: 0, comment: "meh" },
  );
  await client.close();
});
