// onLogout, the user's own keys (ctx.userEnv: never stored) and the conversation so far (ctx.history()), through
// real sockets and SQLite, and through chatwire/testing's fake context.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { createApp, createSqliteLayer, type HistoryMessage, type User } from "chatwire";
import { connectClient, createFakeContext } from "chatwire/testing";
import { eventually, startGateway } from "../support/gateway.ts";

const secret = "a-test-secret-that-is-long-enough-0123456789";

test("onLogout is told who logged out; a logout without a valid token tells nobody", async (t) => {
  const chat = createApp();
  const loggedOut: User[] = [];
  chat.passwordAuth(({ username, password }) => (password === "pw" ? { identifier: username } : undefined));
  chat.onLogout((user) => {
    loggedOut.push(user);
  });
  const server = await startGateway(t, { hooks: chat.seal(), auth: { secret } });
  const login = await server.inject({
    method: "POST",
    url: "/auth/login",
    payload: { username: "ada", password: "pw" },
  });
  const { token } = login.json() as { token: string };
  const logout = await server.inject({
    method: "POST",
    url: "/auth/logout",
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(logout.statusCode, 200);
  assert.deepEqual(
    loggedOut.map((user) => user.identifier),
    ["ada"],
  );
  await server.inject({ method: "POST", url: "/auth/logout", headers: { authorization: `Bearer ${token}` } });
  await server.inject({ method: "POST", url: "/auth/logout" });
  assert.equal(loggedOut.length, 1, "a revoked or absent token is nobody");
});

test("a failing onLogout still logs the user out", async (t) => {
  const chat = createApp();
  chat.passwordAuth(({ username }) => ({ identifier: username }));
  chat.onLogout(() => {
    throw new Error("clean-up failed");
  });
  const server = await startGateway(t, { hooks: chat.seal(), auth: { secret } });
  const { token } = (
    await server.inject({ method: "POST", url: "/auth/login", payload: { username: "ada", password: "x" } })
  ).json() as { token: string };
  const headers = { authorization: `Bearer ${token}` };
  assert.equal((await server.inject({ method: "POST", url: "/auth/logout", headers })).statusCode, 200);
  assert.equal((await server.inject({ method: "GET", url: "/auth/me", headers })).statusCode, 401);
});

test("ctx.userEnv has the declared keys from hello, undeclared ones are refused, and none is stored", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "chatwire-userenv-"));
  const path = join(dir, "chatwire.db");
  const layer = createSqliteLayer({ path });
  await layer.migrate();
  t.after(async () => {
    await layer.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const chat = createApp();
  chat.userEnv(["OPENAI_API_KEY"]);
  chat.onMessage(async (ctx) => {
    ctx.state.set("turns", 1);
    await ctx.send(`key ends ${ctx.userEnv.OPENAI_API_KEY?.slice(-4)}; other ${ctx.userEnv.SHELL ?? "none"}`);
  });
  const server = await startGateway(t, { hooks: chat.seal(), data: layer });
  const client = await connectClient(server, { hello: false });
  client.send({
    type: "hello",
    protocol: 1,
    userEnv: { OPENAI_API_KEY: "sk-secret-value-9876", SHELL: "/bin/sh" },
  });
  const refused = await client.until("error");
  assert.equal(refused.code, "BAD_FRAME");
  assert.match(refused.message, /SHELL/);
  const welcome = await client.until("welcome");
  assert.deepEqual(welcome.userEnv, ["OPENAI_API_KEY"]);
  client.send({ type: "user_message", id: "m1", content: "hi" });
  assert.equal((await client.until("message_new")).message.content, "key ends 9876; other none");
  await client.until("task_end");
  await client.close();
  // The database's files as they are on disk (the write-ahead log included): the state is there, the key is not.
  const stored = () =>
    [path, `${path}-wal`].map((file) => (existsSync(file) ? readFileSync(file).toString("latin1") : "")).join("");
  await eventually(() => stored().includes("turns"));
  assert.ok(!stored().includes("sk-secret-value"), "the key is nowhere in the database files");
});

test("ctx.history() is the conversation so far: user and app messages, streamed text, deletions", async (t) => {
  const chat = createApp();
  chat.onChatStart(async (ctx) => {
    await ctx.send("Welcome");
    const gone = await ctx.send("temporary");
    await gone.remove();
  });
  chat.onMessage(async (ctx, message) => {
    if (message.content === "stream") {
      const streamed = await ctx.stream();
      await streamed.streamToken("to");
      await streamed.streamToken("ken");
      await streamed.endStream();
      return;
    }
    const turns = ctx.history().map((entry) => `${entry.role}:${entry.content}`);
    await ctx.send(turns.join("|"));
  });
  const server = await startGateway(t, { hooks: chat.seal() });
  const client = await connectClient(server);
  t.after(() => client.close());
  await client.until("task_end");
  client.send({ type: "user_message", id: "m1", content: "stream" });
  await client.until("stream_end");
  client.send({ type: "user_message", id: "m2", content: "what so far?" });
  const reply = await client.until("message_new");
  assert.equal(reply.message.content, "assistant:Welcome|user:stream|assistant:token|user:what so far?");
});

test("a reopened thread's history is in ctx.history() (SQLite)", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "chatwire-history-"));
  const layer = createSqliteLayer({ path: join(dir, "chatwire.db") });
  await layer.migrate();
  t.after(async () => {
    await layer.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const chat = createApp();
  chat.headerAuth(() => ({ identifier: "ada" }));
  chat.onMessage(async (ctx, message) => {
    await ctx.send(`echo ${message.content}`);
  });
  chat.onChatResume(async (ctx) => {
    await ctx.send(`${ctx.history().length} before`);
  });
  const server = await startGateway(t, { hooks: chat.seal(), data: layer });
  const first = await connectClient(server);
  first.send({ type: "user_message", id: "m1", content: "one" });
  await first.until("task_end");
  await first.close();
  const second = await connectClient(server, { hello: false });
  t.after(() => second.close());
  second.send({ type: "hello", protocol: 1, thread: { id: first.welcome?.threadId ?? "" } });
  assert.equal((await second.until("message_new")).message.content, "2 before");
});

test("a fake context takes a history and a userEnv, and adds what the handler sends", async () => {
  const earlier: HistoryMessage[] = [
    { id: "u1", role: "user", author: "Ada", content: "hi", createdAt: "2026-01-01T00:00:00.000Z" },
  ];
  const ctx = createFakeContext({ history: earlier, userEnv: { OPENAI_API_KEY: "sk-1" } });
  assert.equal(ctx.userEnv.OPENAI_API_KEY, "sk-1");
  await ctx.send("hello");
  assert.deepEqual(
    ctx.history().map((message) => [message.role, message.content]),
    [
      ["user", "hi"],
      ["assistant", "hello"],
    ],
  );
});
