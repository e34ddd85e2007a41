// chatwire/client's sessions: tokens and the thread routes, a refused upgrade, a lost session falling back to the
// stored thread or to a new conversation, and close()/open().
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import { ChatwireClientError } from "../../lib/client/index.ts";
import { createApp } from "../../lib/hooks/registrars.ts";
import { client, eventually, next, startChat, until } from "./support.ts";

const AUTH_SECRET = "client-sessions-test-secret-0123456789abcdef";

/** An echo app with passwordAuth (ada, bob; password `<name>-pw`) and an onChatResume greeting. */
function accountsApp() {
  const app = createApp();
  app.passwordAuth(({ username, password }) =>
    ["ada", "bob"].includes(username) && password === `${username}-pw` ? { identifier: username } : undefined,
  );
  app.onMessage(async (ctx, message) => {
    await ctx.send(`echo: ${message.content}`);
  });
  app.onChatResume(async (ctx) => {
    await ctx.send("welcome back");
  });
  return app.seal();
}

async function sqlite(t: TestContext) {
  const dir = await mkdtemp(join(tmpdir(), "chatwire-client-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return { sqlite: join(dir, "chatwire.db") };
}

async function login(url: string, username: string): Promise<string> {
  const response = await fetch(new URL("/auth/login", url.replace(/^ws/, "http")), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password: `${username}-pw` }),
  });
  return ((await response.json()) as { token: string }).token;
}

const texts = (chat: ReturnType<typeof client>) => chat.getSnapshot().messages.map((message) => message.content);

test("a token authenticates the socket and the thread routes: list, rename, delete, reopen", async (t) => {
  const { url } = await startChat(t, accountsApp(), { data: await sqlite(t), auth: { secret: AUTH_SECRET } });
  const chat = client(t, url, { token: await login(url, "ada") });
  const { welcome } = await next(chat, "connected");
  assert.equal(welcome.user?.identifier, "ada");
  assert.deepEqual(await chat.threads.list(), { threads: [] });
  chat.send("first question");
  await until(chat, (s) => (s.busy ? undefined : s.messages.find((m) => m.content === "echo: first question")), "echo");
  const [thread] = (await chat.threads.list()).threads;
  assert.equal(thread?.id, welcome.threadId);
  assert.equal(thread?.name, "first question");
  assert.equal((await chat.threads.rename(welcome.threadId, "renamed")).name, "renamed");

  chat.open(); // a new conversation on a clean state
  assert.deepEqual(texts(chat), []);
  await next(chat, "connected");
  chat.threads.open(welcome.threadId);
  const reopened = await next(chat, "reopened");
  assert.equal(reopened.replaced, false);
  await until(chat, (s) => s.messages.find((m) => m.content === "welcome back"), "onChatResume");
  assert.deepEqual(texts(chat), ["first question", "echo: first question", "welcome back"]);
  assert.equal(chat.getSnapshot().threadName, "renamed");

  await chat.threads.delete(welcome.threadId);
  const gone = await chat.threads.rename(welcome.threadId, "again").catch((error: unknown) => error);
  assert.ok(gone instanceof ChatwireClientError);
  assert.deepEqual([gone.code, gone.status], ["THREAD_NOT_FOUND", 404]);
  const bob = client(t, url, { token: await login(url, "bob") });
  await next(bob, "connected");
  assert.deepEqual(await bob.threads.list(), { threads: [] });
});

test("without a token the upgrade is refused: closed with 4401 and UNAUTHENTICATED; commands throw CLIENT_CLOSED", async (t) => {
  const { url } = await startChat(t, accountsApp(), { data: await sqlite(t), auth: { secret: AUTH_SECRET } });
  const chat = client(t, url);
  const closed = await next(chat, "closed");
  assert.deepEqual([closed.code, closed.byClient, closed.error?.code], [4401, false, "UNAUTHENTICATED"]);
  assert.equal(chat.status, "closed");
  assert.throws(() => chat.send("hello?"), { name: "ChatwireClientError", code: "CLIENT_CLOSED" });
  const listed = await chat.threads.list().catch((error: unknown) => error);
  assert.deepEqual(listed instanceof ChatwireClientError && [listed.code, listed.status], ["UNAUTHENTICATED", 401]);
});

test("a session that expired while offline: resume_failed, then the stored thread reopens by its secret", async (t) => {
  const app = createApp();
  app.onMessage(async (ctx, message) => {
    await ctx.send(`echo: ${message.content}`);
  });
  app.onChatResume(async (ctx) => {
    await ctx.send("welcome back, stranger");
  });
  const { url, upgraded } = await startChat(t, app.seal(), { data: await sqlite(t), reconnectGraceMs: 20 });
  const chat = client(t, url, { reconnect: { initialDelayMs: 200 } }); // later than the session's grace
  await next(chat, "connected");
  chat.send("hello");
  await until(chat, (s) => (s.busy ? undefined : s.messages.find((m) => m.content === "echo: hello")), "the echo");
  const offline = next(chat, "offline");
  upgraded.at(-1)?.destroy();
  assert.ok((await offline).retryInMs > 0);
  const reopened = await next(chat, "reopened");
  assert.deepEqual([reopened.replaced, reopened.lost, reopened.dropped], [true, "expired", 0]);
  await until(chat, (s) => s.messages.find((m) => m.content === "welcome back, stranger"), "onChatResume");
  assert.deepEqual(texts(chat), ["hello", "echo: hello", "welcome back, stranger"], "the history replaced the log");
});

test("with nothing stored, a lost session gives a new conversation below a divider; what was pending is dropped", async (t) => {
  const app = createApp();
  const heard: string[] = [];
  const ended: string[] = [];
  app.onMessage(async (ctx, message) => {
    heard.push(message.content);
    if (message.content === "ask me") await ctx.send(`hello ${await ctx.askText("What is your name?")}`);
    else await ctx.send(`echo: ${message.content}`);
  });
  app.onChatEnd((ctx) => {
    ended.push(ctx.sessionId);
  });
  app.onChatStart(async (ctx) => {
    await ctx.send({ content: "Buttons", actions: [{ name: "slow", label: "Slow" }] });
  });
  app.actionCallback("slow", async (ctx) => {
    await ctx.send("slow done");
  });
  const { url, upgraded, server } = await startChat(t, app.seal(), { reconnectGraceMs: 20 });
  const chat = client(t, url, { reconnect: { initialDelayMs: 200 } });
  await next(chat, "connected");
  const slow = await until(chat, (s) => s.actions[0], "the action");
  chat.send("ask me");
  const ask = await until(chat, (s) => s.asks[0], "the ask");
  const pressed = chat.callAction(slow).catch((error: unknown) => error); // waits behind the ask's task
  // Refuse upgrades until the old session is over, then answer the ask meanwhile: queued for a lost session.
  const listeners = server.server.listeners("upgrade") as ((...args: unknown[]) => void)[];
  server.server.removeAllListeners("upgrade");
  server.server.on("upgrade", (_request, socket) => socket.destroy());
  upgraded.at(-1)?.destroy();
  await next(chat, "offline");
  chat.answerAsk(ask.askId, "Ada");
  await eventually(() => ended[0], "the old session's end");
  server.server.removeAllListeners("upgrade");
  for (const listener of listeners) server.server.on("upgrade", listener);
  const connected = await next(chat, "connected");
  assert.deepEqual([connected.replaced, connected.lost, connected.dropped], [true, "expired", 1]);
  const lost = await pressed;
  assert.equal(lost instanceof ChatwireClientError && lost.code, "CLIENT_CLOSED");
  const snapshot = chat.getSnapshot();
  assert.deepEqual(snapshot.asks, []);
  assert.equal(snapshot.busy, false);
  assert.deepEqual(snapshot.actions.length, 1, "the new session's greeting and its action only");
  assert.ok(
    snapshot.messages.filter((m) => m.content === "Buttons").some((m) => !m.live),
    "the old one is inert",
  );
  assert.equal(snapshot.tree.filter((node) => node.kind === "divider").length, 1);
  chat.send("barrier");
  await until(chat, (s) => s.messages.find((m) => m.content === "echo: barrier"), "the barrier");
  assert.deepEqual(heard, ["ask me", "barrier"], "the answer meant for the lost session was not sent");
});

test("close() ends the session at once (onChatEnd); open() starts another; a command in between throws", async (t) => {
  const app = createApp();
  const ended: string[] = [];
  app.onChatEnd((ctx) => {
    ended.push(ctx.sessionId);
  });
  const { url } = await startChat(t, app.seal());
  const chat = client(t, url);
  const { welcome } = await next(chat, "connected");
  const closed = next(chat, "closed");
  chat.close();
  assert.deepEqual([(await closed).byClient, chat.status, chat.getSnapshot().session], [true, "closed", undefined]);
  await eventually(() => ended[0], "onChatEnd");
  assert.equal(ended[0], welcome.sessionId);
  assert.throws(() => chat.stop(), { code: "CLIENT_CLOSED" });
  chat.open();
  const again = await next(chat, "connected");
  assert.notEqual(again.welcome.sessionId, welcome.sessionId);
  assert.equal(again.replaced, false);
});
