// Conversations are stored as they happen and reopen through onChatResume, for their owner only.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import Database from "better-sqlite3";
import {
  chatwire,
  createApp,
  createMemoryLayer,
  createSqliteLayer,
  type DataLayer,
  type GatewayOptions,
  type ThreadDict,
} from "chatwire";
import { connectClient } from "chatwire/testing";
import Fastify from "fastify";
import { eventually, pause, startGateway } from "../support/gateway.ts";

/** A gateway on a real SQLite file, logging warnings and errors as JSON lines into `logs`. */
async function sqliteGateway<S extends object>(t: TestContext, options: Omit<GatewayOptions<S>, "data">) {
  const dir = mkdtempSync(join(tmpdir(), "chatwire-persist-"));
  const path = join(dir, "chatwire.db");
  const layer: DataLayer = createSqliteLayer({ path });
  await layer.migrate();
  const logs: { level: number; msg: string; key?: string; [field: string]: unknown }[] = [];
  const server = Fastify({
    logger: { level: "warn", stream: { write: (line: string) => logs.push(JSON.parse(line)) } },
  });
  await server.register(chatwire<S>, { ...options, data: layer });
  await server.listen({ host: "127.0.0.1", port: 0 });
  t.after(async () => {
    await server.close();
    await layer.close();
    rmSync(dir, { recursive: true, force: true });
  });
  /** Rows of the file as another process would see them, through a connection of its own. */
  const rows = (sql: string, ...params: unknown[]): Record<string, unknown>[] => {
    const db = new Database(path, { readonly: true });
    try {
      return db.prepare(sql).all(...params) as Record<string, unknown>[];
    } finally {
      db.close();
    }
  };
  return { server, layer, logs, rows };
}

/** The session store saved in a thread, once it is there (it is written as the session ends). */
async function savedStore(layer: DataLayer, threadId: string): Promise<unknown> {
  const deadline = Date.now() + 2000;
  for (;;) {
    const store = (await layer.getThread(threadId))?.metadata.chatwireSession;
    if (store !== undefined || Date.now() > deadline) return store;
    await pause(10);
  }
}

/** An app whose users are named by the `x-user` header (headerAuth), greeting each new conversation. */
function greetingApp() {
  const chat = createApp<Record<string, unknown>>();
  chat.headerAuth((headers) => (typeof headers["x-user"] === "string" ? { identifier: headers["x-user"] } : undefined));
  chat.onChatStart(async (ctx) => {
    await ctx.send("Hello! Rate me.");
  });
  chat.onMessage(async (ctx, message) => {
    await ctx.send(`echo ${message.content}`);
  });
  return chat;
}

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
    const notes = [...(ctx.state.get("notes") ?? []), message.content];
    ctx.state.set("notes", notes);
    ctx.state.set("handle", () => "functions are not JSON");
    const reply = await ctx.stream();
    for (const word of ["noted", " ", String(notes.length)]) await reply.streamToken(word);
    await reply.endStream();
  });
  chat.onChatResume(async (ctx, thread) => {
    resumed.push(thread);
    await ctx.send(`resumed with ${(ctx.state.get("notes") ?? []).join(",")}`);
  });
  return { hooks: chat.seal(), resumed };
}

function anonymousApp() {
  const chat = createApp<{ count: number }>();
  chat.onMessage(async (ctx, message) => {
    ctx.state.set("count", (ctx.state.get("count") ?? 0) + 1);
    await ctx.send(`echo ${message.content}`);
  });
  chat.onChatResume(async (ctx) => {
    await ctx.send(`count ${ctx.state.get("count")}`);
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

test("feedback on the greeting, before any user message, creates the thread and is stored", async (t) => {
  const { server, layer, rows } = await sqliteGateway(t, { hooks: greetingApp().seal() });
  const client = await connectClient(server, { headers: { "x-user": "ada" } });
  const greeting = await client.until("message_new");
  await client.until("task_end");
  client.send({ type: "feedback", id: "f1", messageId: greeting.message.id, value: 1, comment: "nice" });
  const saved = await client.until("feedback_saved");
  // Read the moment feedback_saved arrives, through another connection: it is already committed.
  assert.deepEqual(rows("SELECT id, for_id, value, comment FROM chatwire_feedbacks"), [
    { id: saved.feedbackId, for_id: greeting.message.id, value: 1, comment: "nice" },
  ]);
  const thread = await layer.loadThread(client.welcome?.threadId ?? "");
  assert.equal(thread?.userIdentifier, "ada");
  assert.deepEqual(
    thread?.steps.map((s) => [s.id, s.feedback?.value]),
    [[greeting.message.id, 1]],
  );
  await client.close();
});

test("feedback whose write fails gets PERSISTENCE_FAILED, never feedback_saved", async (t) => {
  const { server, layer } = await sqliteGateway(t, { hooks: greetingApp().seal() });
  const headers = { "x-user": "ada" };
  const client = await connectClient(server, { headers });
  await client.until("task_end"); // the greeting
  client.send({ type: "user_message", id: "m1", content: "hello" });
  const reply = await client.until("message_new");
  await client.until("task_end");
  // The thread is deleted from another tab while this session still shows it: the feedback has nothing to attach to.
  const threadId = client.welcome?.threadId ?? "";
  assert.equal((await server.inject({ method: "DELETE", url: `/threads/${threadId}`, headers })).statusCode, 204);
  client.send({ type: "feedback", id: "f1", messageId: reply.message.id, value: 0 });
  const answer = await client.next();
  assert.equal(answer.type, "error");
  assert.equal(answer.type === "error" && answer.code, "PERSISTENCE_FAILED");
  assert.equal(answer.type === "error" && answer.replyTo, "f1");
  assert.ok(!client.received.some((frame) => frame.type === "feedback_saved"));
  assert.equal(await layer.getThread(threadId), undefined);
  await client.close();
});

test("feedback after a resume updates the one stored row and keeps its id; value null removes it", async (t) => {
  const { server, rows } = await sqliteGateway(t, { hooks: greetingApp().seal() });
  const headers = { "x-user": "ada" };
  const first = await connectClient(server, { headers });
  await first.until("task_end");
  first.send({ type: "user_message", id: "m1", content: "hello" });
  const reply = await first.until("message_new");
  await first.until("task_end");
  first.send({ type: "feedback", id: "f1", messageId: reply.message.id, value: 1 });
  const before = await first.until("feedback_saved");
  await first.close();

  const second = await connectClient(server, { headers, hello: false });
  second.send({ type: "hello", protocol: 1, thread: { id: first.welcome?.threadId ?? "" } });
  const history = await second.until("thread_history");
  assert.ok(history.steps.some((step) => step.id === reply.message.id));
  second.send({ type: "feedback", id: "f2", messageId: reply.message.id, value: 0, comment: "changed my mind" });
  const after = await second.until("feedback_saved");
  assert.equal(after.feedbackId, before.feedbackId, "the same feedback, on every session");
  assert.deepEqual(rows("SELECT id, value, comment FROM chatwire_feedbacks"), [
    { id: before.feedbackId, value: 0, comment: "changed my mind" },
  ]);

  second.send({ type: "feedback", id: "f3", messageId: reply.message.id, value: null });
  const removed = await second.until("feedback_saved");
  assert.equal(removed.replyTo, "f3");
  assert.equal(removed.feedbackId, before.feedbackId);
  assert.deepEqual(rows("SELECT id FROM chatwire_feedbacks"), [], "removed by the time feedback_saved arrives");
  await second.close();
});

test("GET /threads/:id leaves out the saved session store, which still restores the session on resume", async (t) => {
  const chat = createApp<{ notes: string[] }>();
  chat.headerAuth((headers) => (typeof headers["x-user"] === "string" ? { identifier: headers["x-user"] } : undefined));
  chat.onMessage(async (ctx, message) => {
    ctx.state.set("notes", [...(ctx.state.get("notes") ?? []), message.content]);
    await ctx.send("noted");
  });
  chat.onChatResume(async (ctx) => {
    await ctx.send(`notes: ${(ctx.state.get("notes") ?? []).join(",")}`);
  });
  const { server, layer } = await sqliteGateway(t, { hooks: chat.seal() });
  const headers = { "x-user": "ada" };
  const first = await connectClient(server, { headers });
  first.send({ type: "user_message", id: "m1", content: "secret plan" });
  await first.until("task_end");
  await first.close();
  const threadId = first.welcome?.threadId ?? "";
  assert.deepEqual(await savedStore(layer, threadId), { notes: ["secret plan"] }, "kept server-side");

  const read = await server.inject({ method: "GET", url: `/threads/${threadId}`, headers });
  assert.equal(read.statusCode, 200);
  assert.deepEqual(read.json().metadata, {});
  assert.ok(!read.body.includes("chatwireSession"));

  const second = await connectClient(server, { headers, hello: false });
  second.send({ type: "hello", protocol: 1, thread: { id: threadId } });
  const history = await second.until("thread_history");
  assert.ok(!JSON.stringify(history).includes("chatwireSession"));
  assert.equal((await second.until("message_new")).message.content, "notes: secret plan");
  await second.close();
});

test("session store values JSON cannot hold are skipped with a warning; the rest is saved", async (t) => {
  const chat = createApp<Record<string, unknown>>();
  chat.onMessage(async (ctx) => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    ctx.state.set("turns", 1);
    ctx.state.set("handle", () => "a function");
    ctx.state.set("big", 10n);
    ctx.state.set("cycle", cycle);
    ctx.state.set("nested", { at: new Date("2026-01-01T00:00:00.000Z"), skip: undefined });
    await ctx.send("ok");
  });
  const { server, layer, logs } = await sqliteGateway(t, { hooks: chat.seal() });
  const client = await connectClient(server);
  client.send({ type: "user_message", id: "m1", content: "hi" });
  await client.until("task_end");
  await client.close();
  const threadId = client.welcome?.threadId ?? "";
  assert.deepEqual(await savedStore(layer, threadId), { turns: 1, nested: { at: "2026-01-01T00:00:00.000Z" } });
  const warned = logs.filter((line) => line.msg === "session store value not saved: not JSON").map((l) => l.key);
  assert.deepEqual(warned.sort(), ["big", "cycle", "handle"]);
  assert.ok(
    logs.every((line) => line.level === 40),
    "warnings only: nothing failed",
  );
});

test("the session store is saved when the connection drops, before the session ends", async (t) => {
  const chat = createApp<{ turns: number }>();
  chat.onMessage(async (ctx) => {
    ctx.state.set("turns", (ctx.state.get("turns") ?? 0) + 1);
    await ctx.send("ok");
  });
  const { server, layer } = await sqliteGateway(t, { hooks: chat.seal(), reconnectGraceMs: 60_000 });
  const client = await connectClient(server);
  client.send({ type: "user_message", id: "m1", content: "hi" });
  await client.until("task_end");
  await client.drop(); // no close frame: the session waits a minute for a resume
  const threadId = client.welcome?.threadId ?? "";
  assert.deepEqual(await savedStore(layer, threadId), { turns: 1 });
});

test("elements sent with a message are stored and come back on resume", async (t) => {
  const chat = greetingApp();
  const thread: ThreadDict[] = [];
  chat.onChatResume((_ctx, resumed) => {
    thread.push(resumed);
  });
  const { server } = await sqliteGateway(t, {
    hooks: {
      ...chat.seal(),
      onMessage: async (ctx) => {
        await ctx.send({
          content: "Here is the chart",
          elements: [{ name: "chart.png", url: "/files/chart.png", mime: "image/png", display: "side" }],
        });
      },
    },
  });
  const headers = { "x-user": "ada" };
  const first = await connectClient(server, { headers });
  await first.until("task_end");
  first.send({ type: "user_message", id: "m1", content: "plot it" });
  const sent = await first.until("message_new");
  await first.until("task_end");
  const [element] = sent.message.elements ?? [];
  assert.ok(element !== undefined);
  assert.deepEqual(
    { ...element, id: "" },
    { id: "", name: "chart.png", kind: "image", url: "/files/chart.png", mime: "image/png", display: "side" },
  );
  await first.close();

  const second = await connectClient(server, { headers, hello: false });
  second.send({ type: "hello", protocol: 1, thread: { id: first.welcome?.threadId ?? "" } });
  const history = await second.until("thread_history");
  const shown = history.steps.find((step) => step.id === sent.message.id);
  assert.deepEqual(shown?.kind === "message" ? shown.elements : undefined, [element]);
  await eventually(() => thread.length === 1);
  assert.deepEqual(thread[0]?.elements, [{ ...element, forId: sent.message.id }]);
  await second.close();
});
