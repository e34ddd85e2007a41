// Chainlit's socket.io protocol with socket.io-client against a real listening server: the handshake's auth,
// connection_successful → onChatStart, client_message → onMessage with Chainlit's stream events, an ask answered
// by its acknowledgement, an action over HTTP, stop, window messages, a reconnect that misses nothing, refusals;
// and one app answering the native WebSocket, AG-UI and Chainlit alike.
import assert from "node:assert/strict";
import { test } from "node:test";
import { HttpAgent } from "@ag-ui/client";
import { createApp } from "chatwire";
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
function chainlitClient(port: number, sessionId: string, extraHeaders: Record<string, string> = {}) {
  const seen: Seen[] = [];
  const socket: Socket = io(`http://127.0.0.1:${port}`, {
    path: "/ws/socket.io",
    transports: ["websocket"],
    extraHeaders,
    auth: { sessionId, threadId: "", clientType: "webapp", userEnv: "{}", chatProfile: "" },
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
