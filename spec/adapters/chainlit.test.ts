// Chainlit's socket.io protocol with socket.io-client against a real listening server: the handshake's auth,
// connection_successful → onChatStart, client_message → onMessage with Chainlit's stream events, an ask answered
// by its acknowledgement, an action over HTTP, stop, window messages, a reconnect that misses nothing, refusals;
// and one app answering the native WebSocket, AG-UI and Chainlit alike.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { HttpAgent } from "@ag-ui/client";
import { createApp, createSqliteLayer } from "chatwire";
import { connectClient } from "chatwire/testing";
import { io, type Socket } from "socket.io-client";
import { eventually, pause, startGateway } from "../support/gateway.ts";

type Seen = { event: string; payload: unknown };

function echoApp() {
  const chat = createApp();
  const log: string[] = [];
  chat.onChatStart(async (ctx) => {
    await ctx.send({ content: "Welcome", actions: [{ name: "ping", label: "Ping", payload: { n: 1 } }] });
  });
  chat.actionCallback("ping", async (ctx, action) => {
    log.push(`action ${String(action.payload.n)}`);
    await ctx.send("pong");
  });
  chat.onMessage(async (ctx, message) => {
    if (message.content === "ask") {
      const name = await ctx.askText({ content: "Your name?", timeoutMs: 5_000 });
      await ctx.send(`Hello ${name}`);
      return;
    }
    if (message.content === "slow") {
      await new Promise<void>((resolve) => ctx.signal.addEventListener("abort", () => resolve()));
      log.push(`stopped ${String((ctx.signal.reason as { kind?: string }).kind)}`);
      return;
    }
    const reply = await ctx.stream();
    for (const token of ["You ", "said ", message.content]) await reply.streamToken(token);
    await reply.endStream();
  });
  chat.onWindowMessage(async (ctx, data) => {
    log.push(`window ${JSON.stringify(data)}`);
    await ctx.sendWindowMessage({ echo: data });
  });
  return { chat, log };
}

const portOf = (server: { server: { address(): unknown } }) => (server.server.address() as { port: number }).port;

/** A socket.io client speaking Chainlit's handshake, recording every event it receives. */
function chainlitClient(
  port: number,
  sessionId: string,
  extraHeaders: Record<string, string> = {},
  auth: Record<string, string> = {},
) {
  const seen: Seen[] = [];
  const socket: Socket = io(`http://127.0.0.1:${port}`, {
    path: "/ws/socket.io",
    transports: ["websocket"],
    extraHeaders,
    auth: { sessionId, threadId: "", clientType: "webapp", userEnv: "{}", chatProfile: "", ...auth },
    reconnection: false,
  });
  socket.onAny((event: string, payload: unknown) => seen.push({ event, payload }));
  const until = async (event: string, match: (payload: never) => boolean = () => true) => {
    await eventually(() => seen.some((s) => s.event === event && match(s.payload as never)), 3000);
    return seen.find((s) => s.event === event && match(s.payload as never))?.payload as Record<string, unknown>;
  };
  return { socket, seen, until };
}

test("Chainlit: onChatStart on connection_successful, a streamed reply, an ask, an action, stop, window messages", async (t) => {
  const { chat, log } = echoApp();
  const server = await startGateway(t, { hooks: chat.seal(), protocols: { chainlit: true } });
  const client = chainlitClient(portOf(server), crypto.randomUUID());
  t.after(() => client.socket.close());
  await new Promise<void>((resolve) => client.socket.once("connect", () => resolve()));
  client.socket.emit("connection_successful");

  const welcome = await client.until("new_message", (m: { output: string }) => m.output === "Welcome");
  assert.equal(welcome.type, "assistant_message");
  const action = await client.until("action");
  assert.equal(action.name, "ping");
  assert.equal(action.forId, welcome.id);

  client.socket.emit("client_message", {
    message: { id: crypto.randomUUID(), output: "hi", type: "user_message" },
    fileReferences: null,
  });
  const final = await client.until("update_message", (m: { streaming: boolean }) => m.streaming === false);
  assert.equal(final.output, "You said hi");
  const events = client.seen.map((s) => s.event);
  const start = events.indexOf("stream_start");
  assert.ok(start > 0 && events.slice(start).includes("stream_token"), "stream_start then stream_token");
  const tokens = client.seen
    .filter((s) => s.event === "stream_token")
    .map((s) => (s.payload as { token: string }).token);
  assert.equal(tokens.join(""), "You said hi");
  await client.until("task_end");

  // The ask is a socket.io call: its acknowledgement is the answer.
  client.socket.once(
    "ask",
    (payload: { msg: { output: string }; spec: { type: string } }, ack: (a: unknown) => void) => {
      assert.equal(payload.msg.output, "Your name?");
      assert.equal(payload.spec.type, "text");
      ack({ output: "Ada", id: crypto.randomUUID() });
    },
  );
  client.socket.emit("client_message", { message: { id: crypto.randomUUID(), output: "ask" }, fileReferences: null });
  await client.until("new_message", (m: { output: string }) => m.output === "Hello Ada");

  // Actions travel over HTTP, with the session id.
  const sessionId = (client.socket.auth as { sessionId: string }).sessionId;
  const pressed = await fetch(`http://127.0.0.1:${portOf(server)}/project/action`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ sessionId, action: action }),
  });
  assert.equal(pressed.status, 200);
  await client.until("new_message", (m: { output: string }) => m.output === "pong");
  assert.ok(log.includes("action 1"));
  const stranger = await fetch(`http://127.0.0.1:${portOf(server)}/project/action`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ sessionId: "nobody", action }),
  });
  assert.equal(stranger.status, 404);

  client.socket.emit("client_message", { message: { id: crypto.randomUUID(), output: "slow" }, fileReferences: null });
  await eventually(() => client.seen.filter((s) => s.event === "task_start").length >= 4);
  client.socket.emit("stop");
  await eventually(() => log.includes("stopped stop"));

  client.socket.emit("window_message", { visible: false });
  const echoed = await client.until("window_message");
  assert.deepEqual(echoed, { echo: { visible: false } });

  const settings = (await (await fetch(`http://127.0.0.1:${portOf(server)}/project/settings`)).json()) as {
    dataPersistence: boolean;
  };
  assert.equal(settings.dataPersistence, false);
});

test("Chainlit: a reconnect with the same sessionId gets what was sent while it was away", async (t) => {
  let release = () => {};
  const later = new Promise<void>((resolve) => {
    release = resolve;
  });
  const chat = createApp();
  chat.onMessage(async (ctx) => {
    await later;
    await ctx.send("sent while away");
  });
  const server = await startGateway(t, { hooks: chat.seal(), protocols: { chainlit: true } });
  const sessionId = crypto.randomUUID();
  const first = chainlitClient(portOf(server), sessionId);
  first.socket.emit("connection_successful");
  first.socket.emit("client_message", { message: { id: crypto.randomUUID(), output: "go" } });
  await first.until("task_start");
  first.socket.close();
  await eventually(() => first.socket.disconnected);
  await pause(100); // the server has seen the disconnect: what follows is held for the session's next connection
  release();
  const second = chainlitClient(portOf(server), sessionId);
  t.after(() => second.socket.close());
  second.socket.emit("connection_successful");
  const message = await second.until("new_message");
  assert.equal(message.output, "sent while away");
});

test("Chainlit: headerAuth refuses the connection (authentication failed)", async (t) => {
  const chat = createApp();
  chat.headerAuth((headers) => (headers["x-user"] === "ada" ? { identifier: "ada" } : undefined));
  chat.onChatStart((ctx) => ctx.send(`hi ${ctx.user?.identifier}`).then(() => undefined));
  const server = await startGateway(t, { hooks: chat.seal(), protocols: { chainlit: true } });
  const eve = chainlitClient(portOf(server), crypto.randomUUID(), { "x-user": "eve" });
  t.after(() => eve.socket.close());
  const error = await new Promise<Error>((resolve) => eve.socket.once("connect_error", resolve));
  assert.equal(error.message, "authentication failed");
  const ada = chainlitClient(portOf(server), crypto.randomUUID(), { "x-user": "ada" });
  t.after(() => ada.socket.close());
  ada.socket.emit("connection_successful");
  assert.equal((await ada.until("new_message")).output, "hi ada");
});

test("one app, three front ends: the native WebSocket, AG-UI and Chainlit get the same handler's reply", async (t) => {
  const { chat } = echoApp();
  const server = await startGateway(t, { hooks: chat.seal(), protocols: { agui: true, chainlit: true } });
  const port = portOf(server);

  const native = await connectClient(server);
  t.after(() => native.close());
  native.send({ type: "user_message", id: "m1", content: "same" });
  const ended = await native.until("stream_end");
  assert.equal(ended.content, "You said same");

  const agent = new HttpAgent({ url: `http://127.0.0.1:${port}/ag-ui`, threadId: "three" });
  agent.addMessage({ id: "u1", role: "user", content: "same" });
  await agent.runAgent();
  assert.ok(agent.messages.some((m) => m.role === "assistant" && m.content === "You said same"));

  const cl = chainlitClient(port, crypto.randomUUID());
  t.after(() => cl.socket.close());
  cl.socket.emit("connection_successful");
  cl.socket.emit("client_message", { message: { id: crypto.randomUUID(), output: "same" } });
  const final = await cl.until("update_message", (m: { streaming: boolean }) => m.streaming === false);
  assert.equal(final.output, "You said same");
});

test("Chainlit: a socket that leaves before connection_successful leaves no session behind", async (t) => {
  const chat = createApp();
  let handle: { sessionCount(): number } | undefined;
  const server = await startGateway(t, {
    hooks: chat.seal(),
    protocols: { chainlit: true },
    onReady: (gateway) => {
      handle = gateway;
    },
  });
  const client = chainlitClient(portOf(server), crypto.randomUUID());
  await new Promise<void>((resolve) => client.socket.once("connect", () => resolve()));
  await eventually(() => handle?.sessionCount() === 1);
  client.socket.close();
  await eventually(() => handle?.sessionCount() === 0);
});

test("Chainlit: the chat profile is checked as the native hello's; a malformed one is no profile", async (t) => {
  const chat = createApp();
  chat.headerAuth((headers) => (typeof headers["x-user"] === "string" ? { identifier: headers["x-user"] } : undefined));
  chat.setChatProfiles((user) => [{ name: "fast" }, ...(user?.identifier === "admin" ? [{ name: "debug" }] : [])]);
  chat.onChatStart(async (ctx) => {
    await ctx.send(`profile ${ctx.chatProfile}`);
  });
  const server = await startGateway(t, { hooks: chat.seal(), protocols: { chainlit: true } });
  const open = (user: string, chatProfile: string) => {
    const client = chainlitClient(portOf(server), crypto.randomUUID(), { "x-user": user }, { chatProfile });
    t.after(() => client.socket.close());
    client.socket.once("connect", () => client.socket.emit("connection_successful"));
    return client;
  };

  // A profile ada is not offered: the connection is refused, as Chainlit refuses one (connect_error).
  const ada = open("ada", encodeURIComponent("debug"));
  const refused = await new Promise<Error>((resolve) => ada.socket.once("connect_error", resolve));
  assert.equal(refused.message, "unknown chat profile");
  assert.equal(ada.seen.length, 0, "no session started");

  const admin = open("admin", encodeURIComponent("debug"));
  assert.equal((await admin.until("new_message")).output, "profile debug");
  // Not URI-decodable: taken as no profile (the default), and the server goes on.
  const bob = open("bob", "%E0%A4%A");
  assert.equal((await bob.until("new_message")).output, "profile fast");
});

test("Chainlit: the handshake's userEnv (a JSON string) gives ctx.userEnv the declared keys only", async (t) => {
  const chat = createApp();
  chat.userEnv(["API_KEY"]);
  chat.onChatStart(async (ctx) => {
    await ctx.send(`env ${JSON.stringify(ctx.userEnv)}`);
  });
  const server = await startGateway(t, { hooks: chat.seal(), protocols: { chainlit: true } });
  const userEnv = JSON.stringify({ API_KEY: "k-1", OTHER: "x" });
  const client = chainlitClient(portOf(server), crypto.randomUUID(), {}, { userEnv });
  t.after(() => client.socket.close());
  client.socket.once("connect", () => client.socket.emit("connection_successful"));
  assert.equal((await client.until("new_message")).output, 'env {"API_KEY":"k-1"}');
  const settings = (await (await fetch(`http://127.0.0.1:${portOf(server)}/project/settings`)).json()) as {
    userEnv: string[];
  };
  assert.deepEqual(settings.userEnv, ["API_KEY"], "the client asks the user for the declared keys");
});

test("Chainlit: form login at /login; the thread routes and a reopen serve only the user's own threads", async (t) => {
  const chat = createApp();
  chat.passwordAuth(({ username, password }) => (password === `${username}-pw` ? { identifier: username } : undefined));
  chat.onMessage(async (ctx, message) => {
    await ctx.send(`echo ${message.content}`);
  });
  const dir = mkdtempSync(join(tmpdir(), "chatwire-chainlit-threads-"));
  const layer = createSqliteLayer({ path: join(dir, "chatwire.db") });
  await layer.migrate();
  t.after(async () => {
    await layer.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const secret = "chainlit-thread-routes-test-secret-0123456789";
  const server = await startGateway(t, {
    hooks: chat.seal(),
    data: layer,
    auth: { secret },
    protocols: { chainlit: true },
  });
  const base = `http://127.0.0.1:${portOf(server)}`;
  const logIn = async (username: string, password = `${username}-pw`) => {
    const reply = await fetch(`${base}/login`, { method: "POST", body: new URLSearchParams({ username, password }) });
    return { status: reply.status, cookie: reply.headers.get("set-cookie")?.split(";")[0] ?? "" };
  };
  assert.equal((await logIn("ada", "wrong")).status, 401);
  const ada = (await logIn("ada")).cookie;
  const bob = (await logIn("bob")).cookie;
  assert.match(ada, /^chatwire_token=/);

  // ada's thread comes to be with her first message.
  const client = chainlitClient(portOf(server), crypto.randomUUID(), { cookie: ada });
  t.after(() => client.socket.close());
  client.socket.once("connect", () => client.socket.emit("connection_successful"));
  await new Promise<void>((resolve) => client.socket.once("connect", () => resolve()));
  client.socket.emit("client_message", { message: { id: crypto.randomUUID(), output: "plans" }, fileReferences: [] });
  const threadId = String((await client.until("first_interaction")).thread_id);
  await client.until("new_message", (m: { output: string }) => m.output === "echo plans");

  const call = async (method: string, path: string, cookie: string, body: unknown) => {
    const reply = await fetch(`${base}${path}`, {
      method,
      headers: { cookie, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    return { status: reply.status, body: (await reply.json()) as Record<string, unknown> };
  };
  const list = (cookie: string) => call("POST", "/project/threads", cookie, { pagination: { first: 20 }, filter: {} });
  let listed = await list(ada);
  for (let tries = 0; (listed.body.data as unknown[]).length === 0 && tries < 100; tries++) {
    await pause(20); // the thread is written behind the conversation
    listed = await list(ada);
  }
  assert.deepEqual(
    (listed.body.data as { id: string; name: string }[]).map(({ id, name }) => ({ id, name })),
    [{ id: threadId, name: "plans" }],
  );
  assert.deepEqual((await list(bob)).body.data, [], "bob sees none of ada's threads");
  assert.equal((await call("POST", "/project/threads", "", {})).status, 401);

  // Reopening ada's thread as bob is refused before the connection is accepted ("authorization failed").
  const intruder = io(base, {
    path: "/ws/socket.io",
    transports: ["websocket"],
    extraHeaders: { cookie: bob },
    auth: { sessionId: crypto.randomUUID(), threadId, clientType: "webapp", userEnv: "{}", chatProfile: "" },
    reconnection: false,
  });
  t.after(() => intruder.close());
  const refused = await new Promise<Error>((resolve) => intruder.once("connect_error", resolve));
  assert.equal(refused.message, "authorization failed");

  assert.equal((await call("PUT", "/project/thread", bob, { threadId, name: "mine" })).status, 404);
  assert.equal((await call("DELETE", "/project/thread", bob, { threadId })).status, 404);
  assert.equal((await call("PUT", "/project/thread", ada, { threadId, name: "trip" })).status, 200);
  assert.equal((await layer.getThread(threadId))?.name, "trip");
  assert.equal((await call("DELETE", "/project/thread", ada, { threadId })).status, 200);
  assert.equal(await layer.getThread(threadId), undefined);
});
