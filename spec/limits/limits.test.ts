// The limits docs/limits.md adds, each hit against a real server on the built package: a message too large, an ask
// timeout out of bounds, a node full of sessions (WebSocket and AG-UI), a stream too long, and options that cannot
// be. Every refusal is a typed error, and the session (or the server) goes on.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { test } from "node:test";
import { chatwire, createApp, type GatewayHandle, type GatewayOptions, isChatwireError, serve } from "chatwire";
import { connectClient, type TestClient } from "chatwire/testing";
import Fastify from "fastify";
import { io } from "socket.io-client";
import { eventually, startGateway } from "../support/gateway.ts";

const DAY_MS = 24 * 3600 * 1000;

/** A promise the test resolves when it chooses, to hold a handler (Promise.withResolvers is Node 22+). */
function opening() {
  let open = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

const resumeOf = (client: TestClient & { welcome?: { sessionId: string; resumeToken: string } }) => ({
  sessionId: client.welcome?.sessionId ?? "",
  resumeToken: client.welcome?.resumeToken ?? "",
  lastSeq: client.lastSeq,
});

/** An app that answers every message with `echo <content>` and remembers what it was given. */
function echoApp() {
  const seen: string[] = [];
  const chat = createApp();
  chat.onMessage(async (ctx, message) => {
    seen.push(message.content);
    await ctx.send(`echo ${message.content}`);
  });
  return { hooks: chat.seal(), seen };
}

test("a message over maxMessageBytes (in UTF-8 bytes) gets MESSAGE_TOO_LARGE, never runs, and the session goes on", async (t) => {
  const { hooks, seen } = echoApp();
  const client = await connectClient(await startGateway(t, { hooks, maxMessageBytes: 1000 }));
  t.after(() => client.close());

  // 501 characters, 1002 bytes: counted in bytes, as the frame limit is.
  client.send({ type: "user_message", id: "big", content: "é".repeat(501) });
  const error = await client.until("error");
  assert.equal(error.code, "MESSAGE_TOO_LARGE");
  assert.equal(error.replyTo, "big");

  client.send({ type: "edit_message", id: "edit", messageId: "big", content: "x".repeat(1001) });
  const edit = await client.until("error");
  assert.equal(edit.code, "MESSAGE_TOO_LARGE");
  assert.equal(edit.replyTo, "edit");

  client.send({ type: "user_message", id: "ok", content: "x".repeat(1000) });
  assert.equal((await client.until("message_new")).message.content, `echo ${"x".repeat(1000)}`);
  assert.deepEqual(seen, ["x".repeat(1000)]);
});

test("an ask timeout not above 0, not finite, or over maxAskTimeoutMs (24 h) throws BAD_ASK_TIMEOUT before the ask is sent", async (t) => {
  const chat = createApp();
  chat.onMessage(async (ctx, message) => {
    if (message.content === "uncaught") {
      await ctx.askText({ content: "never shown", timeoutMs: DAY_MS + 1 });
      return;
    }
    const refused: string[] = [];
    for (const timeoutMs of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, DAY_MS + 1, 2 ** 31]) {
      try {
        await ctx.askText({ content: "never shown", timeoutMs });
      } catch (error) {
        if (isChatwireError(error, "BAD_ASK_TIMEOUT")) refused.push(String(timeoutMs));
      }
    }
    await ctx.send(`refused ${refused.join(" ")}`);
    // At the bound, the ask waits: a timer that overflowed would time it out before the client could answer.
    const name = await ctx.askText({ content: "Your name?", timeoutMs: DAY_MS });
    await ctx.send(`hello ${name}`);
  });
  const client = await connectClient(await startGateway(t, { hooks: chat.seal() }));
  t.after(() => client.close());

  client.send({ type: "user_message", id: "m1", content: "ask" });
  const refused = await client.until("message_new");
  assert.equal(refused.message.content, `refused 0 -1 NaN Infinity ${DAY_MS + 1} ${2 ** 31}`);
  const ask = await client.until("ask");
  assert.equal(ask.message.content, "Your name?");
  assert.equal(ask.timeoutMs, DAY_MS);
  client.send({ type: "ask_reply", askId: ask.askId, content: "Ada" });
  assert.equal((await client.until("message_new")).message.content, "hello Ada");
  await client.until("task_end");
  assert.equal(client.received.filter((frame) => frame.type === "ask").length, 1);

  client.send({ type: "user_message", id: "m2", content: "uncaught" });
  const error = await client.until("error");
  assert.equal(error.code, "BAD_ASK_TIMEOUT");
  assert.equal(error.replyTo, "m2");
  assert.equal(client.received.filter((frame) => frame.type === "ask").length, 1);
});

test("a stream past maxStreamBytes throws STREAM_TOO_LONG: the answer ends with what was streamed, the session goes on", async (t) => {
  const chat = createApp();
  chat.onMessage(async (ctx, message) => {
    if (message.content === "short") {
      await ctx.send("fine");
      return;
    }
    const reply = await ctx.stream();
    for (const token of ["12345", "67890", "X"]) await reply.streamToken(token);
    await reply.endStream();
  });
  const client = await connectClient(await startGateway(t, { hooks: chat.seal(), maxStreamBytes: 10 }));
  t.after(() => client.close());

  client.send({ type: "user_message", id: "m1", content: "long" });
  const end = await client.until("stream_end");
  assert.equal(end.content, "1234567890");
  assert.equal(end.stopped, "error");
  const error = await client.until("error");
  assert.equal(error.code, "STREAM_TOO_LONG");
  assert.equal(error.replyTo, "m1");
  assert.equal(client.received.filter((frame) => frame.type === "stream_token").length, 2);

  client.send({ type: "user_message", id: "m2", content: "short" });
  assert.equal((await client.until("message_new")).message.content, "fine");
});

test("past maxSessionsPerNode a new session gets SERVER_FULL and close 1013; held sessions still resume; a freed place is taken", async (t) => {
  let gateway: GatewayHandle | undefined;
  const server = await startGateway(t, {
    hooks: echoApp().hooks,
    maxSessionsPerNode: 2,
    onReady: (handle) => {
      gateway = handle;
    },
  });
  const first = await connectClient(server);
  const second = await connectClient(server);
  t.after(() => second.close());

  const third = await connectClient(server, { hello: false });
  third.send({ type: "hello", protocol: 1 });
  const full = await third.until("error");
  assert.equal(full.code, "SERVER_FULL");
  assert.equal(await third.closed, 1013);

  await first.drop();
  const resumed = await connectClient(server, { resume: resumeOf(first) });
  assert.equal(resumed.welcome?.resumed, true);
  resumed.send({ type: "user_message", id: "m1", content: "still here" });
  assert.equal((await resumed.until("message_new")).message.content, "echo still here");

  await resumed.close();
  await eventually(() => gateway?.sessionCount() === 1);
  const fourth = await connectClient(server);
  t.after(() => fourth.close());
  assert.equal(fourth.welcome?.resumed, false);
});

test("past maxTurnsPerNode a client's turn gets SERVER_BUSY and the session goes on; onChatStart still runs", async (t) => {
  const gate = opening();
  const chat = createApp();
  chat.onChatStart(async (ctx) => {
    await ctx.send("welcome");
  });
  chat.onMessage(async (ctx, message) => {
    if (message.content === "block") await gate.opened;
    await ctx.send(`echo ${message.content}`);
  });
  const server = await startGateway(t, { hooks: chat.seal(), maxTurnsPerNode: 1 });
  const busy = await connectClient(server);
  t.after(() => busy.close());
  await busy.until("task_end"); // its onChatStart
  busy.send({ type: "user_message", id: "b1", content: "block" });
  await busy.until("task_start");

  const other = await connectClient(server);
  t.after(() => other.close());
  assert.equal((await other.until("message_new")).message.content, "welcome"); // chatwire's own turn: never refused
  await other.until("task_end");
  other.send({ type: "user_message", id: "o1", content: "hi" });
  const error = await other.until("error");
  assert.equal(error.code, "SERVER_BUSY");
  assert.equal(error.replyTo, "o1");

  gate.open();
  assert.equal((await busy.until("message_new")).message.content, "echo block");
  await busy.until("task_end");
  other.send({ type: "user_message", id: "o2", content: "again" });
  assert.equal((await other.until("message_new")).message.content, "echo again");
  const answers = other.received.flatMap((frame) => (frame.type === "message_new" ? [frame.message.content] : []));
  assert.deepEqual(answers, ["welcome", "echo again"]); // the refused message never ran
});

test("simultaneous hellos cannot pass maxSessionsPerNode together", async (t) => {
  const server = await startGateway(t, { hooks: echoApp().hooks, maxSessionsPerNode: 2 });
  const clients = await Promise.all([1, 2, 3, 4].map(() => connectClient(server, { hello: false })));
  t.after(() => Promise.all(clients.map((client) => client.close())));
  for (const client of clients) client.send({ type: "hello", protocol: 1 });
  const answers = await Promise.all(
    clients.map(async (client) => {
      const frame = await client.next();
      return frame.type === "error" ? frame.code : frame.type;
    }),
  );
  assert.deepEqual(answers.sort(), ["SERVER_FULL", "SERVER_FULL", "welcome", "welcome"]);
});

test("AG-UI answers 503 SERVER_FULL when the node is full", async (t) => {
  const server = await startGateway(t, { hooks: echoApp().hooks, maxSessionsPerNode: 1, protocols: { agui: true } });
  const holder = await connectClient(server);
  t.after(() => holder.close());
  const { port } = server.server.address() as { port: number };
  const response = await fetch(`http://127.0.0.1:${port}/ag-ui`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ threadId: "t", runId: "r1", messages: [{ id: "m1", role: "user", content: "hi" }] }),
  });
  assert.equal(response.status, 503);
  assert.equal(((await response.json()) as { code: string }).code, "SERVER_FULL");
});

test("an AG-UI run whose message is over maxMessageBytes ends with RUN_ERROR MESSAGE_TOO_LARGE", async (t) => {
  const { hooks, seen } = echoApp();
  const server = await startGateway(t, { hooks, maxMessageBytes: 1000, protocols: { agui: true } });
  const { port } = server.server.address() as { port: number };
  const response = await fetch(`http://127.0.0.1:${port}/ag-ui`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      threadId: "t",
      runId: "r1",
      messages: [{ id: "m1", role: "user", content: "x".repeat(1001) }],
    }),
    signal: AbortSignal.timeout(5000),
  });
  const events = (await response.text())
    .split("\n")
    .flatMap((line) => (line.startsWith("data: ") ? [JSON.parse(line.slice(6))] : []));
  const last = events.at(-1) as { type: string; code?: string };
  assert.equal(last.type, "RUN_ERROR");
  assert.equal(last.code, "MESSAGE_TOO_LARGE");
  assert.deepEqual(seen, []);
});

test("Chainlit's socket.io gets a connect_error when the node is full, and no session starts", async (t) => {
  const { hooks, seen } = echoApp();
  const server = await startGateway(t, { hooks, maxSessionsPerNode: 1, protocols: { chainlit: true } });
  const holder = await connectClient(server);
  t.after(() => holder.close());
  const { port } = server.server.address() as { port: number };
  const socket = io(`http://127.0.0.1:${port}`, {
    path: "/ws/socket.io",
    transports: ["websocket"],
    auth: { sessionId: crypto.randomUUID(), threadId: "", clientType: "webapp", userEnv: "{}", chatProfile: "" },
    reconnection: false,
  });
  t.after(() => socket.close());
  const refused = await new Promise<Error>((resolve) => socket.once("connect_error", resolve));
  assert.equal(refused.message, "server full: try again later");
  assert.deepEqual(seen, []);
});

test("events past maxQueuedEvents get QUEUE_FULL naming the frame; the queued ones still run", async (t) => {
  const gate = opening();
  const seen: unknown[] = [];
  const chat = createApp();
  chat.onWindowMessage(async (_ctx, data) => {
    await gate.opened;
    seen.push(data);
  });
  const client = await connectClient(await startGateway(t, { hooks: chat.seal(), maxQueuedEvents: 2 }));
  t.after(() => client.close());
  // One runs, two wait, the fourth finds the lane full.
  for (const n of [1, 2, 3, 4]) client.send({ type: "window_message", id: `w${n}`, data: n });
  const error = await client.until("error");
  assert.equal(error.code, "QUEUE_FULL");
  assert.equal(error.replyTo, "w4");
  gate.open();
  await eventually(() => seen.length === 3);
  assert.deepEqual(seen, [1, 2, 3]);
});

test("more than 64 frames while the hello is answered get QUEUE_FULL; the session then opens", async (t) => {
  const gate = opening();
  const chat = createApp();
  chat.setStarters(async () => {
    await gate.opened; // the hello waits here, as it would for a stored thread to load
    return [];
  });
  const client = await connectClient(await startGateway(t, { hooks: chat.seal() }), { hello: false });
  t.after(() => client.close());
  client.send({ type: "hello", protocol: 1 });
  for (let n = 0; n < 65; n++) client.send({ type: "ack", seq: 0 });
  const error = await client.next();
  assert.equal(error.type === "error" && error.code, "QUEUE_FULL");
  gate.open();
  assert.equal((await client.until("welcome")).resumed, false);
});

test("an MCP server that does not answer within mcp.connectTimeoutMs gives MCP_CONNECT_FAILED; the session goes on", async (t) => {
  // Accepts connections and never answers.
  const silent = createServer(() => {});
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  t.after(() => {
    silent.closeAllConnections();
    silent.close();
  });
  const { port } = silent.address() as { port: number };
  const { hooks } = echoApp();
  const mcp = { allowHosts: ["127.0.0.1"], allowPrivateAddresses: true, connectTimeoutMs: 200 };
  const client = await connectClient(await startGateway(t, { hooks, mcp }));
  t.after(() => client.close());
  const connection = { name: "silent", transport: "streamable-http" as const, url: `http://127.0.0.1:${port}/mcp` };
  client.send({ type: "mcp_connect", id: "c1", connection });
  const error = await client.until("error", 5000);
  assert.equal(error.code, "MCP_CONNECT_FAILED");
  assert.equal(error.replyTo, "c1");
  client.send({ type: "user_message", id: "m1", content: "hi" });
  assert.equal((await client.until("message_new")).message.content, "echo hi");
});

test("past 1,000 live actions the oldest is forgotten: pressing it is UNKNOWN_ACTION, the newest still runs", async (t) => {
  const chat = createApp();
  chat.onMessage(async (ctx) => {
    for (let n = 0; n <= 1000; n++) await ctx.send({ content: `button ${n}`, actions: [{ name: "press" }] });
  });
  chat.actionCallback("press", async (ctx, action) => {
    await ctx.send(`pressed ${action.id}`);
  });
  const client = await connectClient(await startGateway(t, { hooks: chat.seal() }));
  t.after(() => client.close());
  client.send({ type: "user_message", id: "m1", content: "buttons" });
  await client.until("task_end");
  const ids = client.received.flatMap((frame) =>
    frame.type === "message_new" ? frame.message.actions.map((action) => action.id) : [],
  );
  assert.equal(ids.length, 1001);
  client.send({ type: "action_call", id: "a1", actionId: ids[0] ?? "" });
  const error = await client.until("error");
  assert.equal(error.code, "UNKNOWN_ACTION");
  assert.equal(error.replyTo, "a1");
  client.send({ type: "action_call", id: "a2", actionId: ids[1000] ?? "" });
  assert.equal((await client.until("message_new")).message.content, `pressed ${ids[1000]}`);
});

/** Each of these fails at start-up with INVALID_OPTION naming the option. */
const invalid: [string, Partial<GatewayOptions>][] = [
  ["maxFrameBytes", { maxFrameBytes: -1 }],
  ["maxMessageBytes", { maxMessageBytes: Number.NaN }],
  ["maxSessionsPerNode", { maxSessionsPerNode: -5 }],
  ["maxStreamBytes", { maxStreamBytes: Number.POSITIVE_INFINITY }],
  ["maxFramesPerSecond", { maxFramesPerSecond: "50" as unknown as number }],
  ["reconnectGraceMs", { reconnectGraceMs: 2 ** 31 }],
  ["shareViewTimeoutMs", { shareViewTimeoutMs: 2 ** 31 }],
  ["maxAskTimeoutMs", { maxAskTimeoutMs: 30 * DAY_MS }],
  ["askTimeoutMs", { askTimeoutMs: DAY_MS + 1 }],
  ["askTimeoutMs", { askTimeoutMs: 0 }],
  ["mcp.maxServersPerSession", { mcp: { maxServersPerSession: -1 } }],
  ["auth.ttlSeconds", { auth: { ttlSeconds: Number.NaN } }],
  ["mcp.connectTimeoutMs", { mcp: { connectTimeoutMs: 2 ** 31 } }],
  ["cluster.heartbeatMs", { cluster: { url: "postgres://127.0.0.1:1/none", heartbeatMs: 2 ** 31 } }],
];

for (const [name, options] of invalid) {
  test(`${name} = ${JSON.stringify(Object.values(options)[0])} refuses to start with INVALID_OPTION naming it`, async (t) => {
    const server = Fastify({ logger: false });
    t.after(() => server.close());
    await assert.rejects(
      async () => {
        await server.register(chatwire, { hooks: createApp().seal(), ...options });
        await server.ready();
      },
      (error: unknown) => isChatwireError(error, "INVALID_OPTION") && error.message.startsWith(name),
    );
  });
}

test("serve refuses a shutdownTimeoutMs Node's timers cannot wait, before it listens", async () => {
  await assert.rejects(
    serve({ hooks: createApp().seal(), data: false, playground: false, port: 0, shutdownTimeoutMs: 2 ** 31 }),
    (error: unknown) => isChatwireError(error, "INVALID_OPTION") && error.message.startsWith("shutdownTimeoutMs"),
  );
});
