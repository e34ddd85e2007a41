// MCP servers added by the user through the protocol, against real servers: the SDK's McpServer over streamable
// HTTP on 127.0.0.1 and the stdio fixture. What the policy refuses gets a typed error frame, never a connection.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type ChatApp, createApp, type McpConnectionInfo, type McpPolicy } from "chatwire";
import { connectClient } from "chatwire/testing";
import { eventually, startGateway } from "../support/gateway.ts";
import { startHttpMcpServer, startSseMcpServer, stdioServer } from "./servers.ts";

/** Loopback allowed explicitly: the test servers listen on 127.0.0.1. */
const local: McpPolicy = { allowHosts: ["127.0.0.1"], allowPrivateAddresses: true };

async function gateway(t: import("node:test").TestContext, chat: ChatApp<Record<string, unknown>>, mcp?: McpPolicy) {
  const server = await startGateway(t, { hooks: chat.seal(), ...(mcp === undefined ? {} : { mcp }) });
  const client = await connectClient(server);
  t.after(() => client.close());
  return client;
}

test("a streamable HTTP server joins the session: mcp_connected lists its tools; onMcpConnect gets no headers", async (t) => {
  const mcp = await startHttpMcpServer(t);
  const chat = createApp();
  const seen: McpConnectionInfo[] = [];
  const toolNames: string[][] = [];
  chat.onMcpConnect(async (ctx, connection, client) => {
    seen.push(connection);
    toolNames.push((await client.listTools()).tools.map((tool) => tool.name));
    assert.deepEqual(
      ctx.mcp.servers().map((server) => server.name),
      ["local"],
      "ctx.mcp has the server during onMcpConnect",
    );
  });
  const client = await gateway(t, chat, local);
  const secret = "Bearer very-secret-token";
  client.send({
    type: "mcp_connect",
    id: "c1",
    connection: { name: "local", transport: "streamable-http", url: mcp.url, headers: { authorization: secret } },
  });
  const connected = await client.until("mcp_connected", 5000);
  assert.equal(connected.name, "local");
  assert.equal(connected.replyTo, "c1");
  assert.deepEqual(connected.tools.map((tool) => tool.name).sort(), ["big", "echo", "fail", "slow"]);
  assert.equal(connected.tools.find((tool) => tool.name === "echo")?.description, "Says its text back");
  assert.deepEqual(seen, [{ name: "local", transport: "streamable-http", url: mcp.url }], "no headers for the app");
  assert.ok(toolNames[0]?.includes("echo"));
  assert.ok(
    mcp.headers.every((headers) => headers.authorization === secret),
    "every request carries the user's header",
  );
  assert.ok(!JSON.stringify(client.received).includes("very-secret-token"), "the token never comes back");
});

test("refused: loopback without allowance, private and mapped addresses, hosts not allowed, bad schemes", async (t) => {
  const mcp = await startHttpMcpServer(t);
  const chat = createApp();
  chat.onMcpConnect(() => assert.fail("nothing refused may connect"));
  const cases: [McpPolicy, string][] = [
    [{ allowHosts: ["127.0.0.1"] }, mcp.url],
    [{ allowHosts: ["*"] }, "http://10.0.0.1/mcp"],
    [{ allowHosts: ["*"] }, "http://169.254.169.254/latest/meta-data"],
    [{ allowHosts: ["*"] }, "http://[::ffff:127.0.0.1]/mcp"],
    [{ allowHosts: ["*"] }, "http://[::1]/mcp"],
    [{ allowHosts: ["*"] }, "http://localhost/mcp"],
    [{ allowHosts: ["example.com"] }, "http://other.example.org/mcp"],
    [{ allowHosts: ["*"] }, "file:///etc/passwd"],
  ];
  for (const [policy, url] of cases) {
    const server = await startGateway(t, { hooks: chat.table(), mcp: policy });
    const client = await connectClient(server);
    client.send({ type: "mcp_connect", id: "c1", connection: { name: "x", transport: "streamable-http", url } });
    const error = await client.until("error", 5000);
    assert.equal(error.code, "MCP_REFUSED", url);
    assert.equal(error.replyTo, "c1");
    await client.close();
  }
  assert.equal(mcp.headers.length, 0, "the refused loopback server got no request");
});

test("stdio: only an allow-listed command runs; the server joins, its tool is called, it exits at session end", async (t) => {
  const chat = createApp();
  const pids: number[] = [];
  const disconnected: string[] = [];
  chat.onMcpConnect((_ctx, _connection, client) => {
    const transport = client.transport;
    if (transport !== undefined && "pid" in transport && typeof transport.pid === "number") pids.push(transport.pid);
  });
  chat.onMcpDisconnect((_ctx, name) => {
    disconnected.push(name);
  });
  chat.onMessage(async (ctx, message) => {
    const result = await ctx.mcp.call("tools", "shout", { text: message.content });
    const [part] = result.content;
    await ctx.send(part?.type === "text" ? part.text : "?");
  });
  const policy: McpPolicy = { allowCommands: [stdioServer] };
  const refused = await gateway(t, createApp(), policy);
  refused.send({
    type: "mcp_connect",
    id: "c0",
    connection: { name: "sh", transport: "stdio", command: "/bin/sh", args: ["-c", "echo pwned"] },
  });
  assert.equal((await refused.until("error")).code, "MCP_REFUSED");
  refused.send({
    type: "mcp_connect",
    id: "c1",
    connection: { name: "tools", transport: "stdio", ...stdioServer, args: [...stdioServer.args, "--extra"] },
  });
  assert.equal((await refused.until("error")).code, "MCP_REFUSED", "an allowed command with other arguments");

  const server = await startGateway(t, { hooks: chat.seal(), mcp: policy });
  const client = await connectClient(server);
  client.send({ type: "mcp_connect", id: "c2", connection: { name: "tools", transport: "stdio", ...stdioServer } });
  const connected = await client.until("mcp_connected", 10_000);
  assert.deepEqual(
    connected.tools.map((tool) => tool.name),
    ["shout"],
  );
  client.send({ type: "user_message", id: "m1", content: "hello" });
  assert.equal((await client.until("message_new", 5000)).message.content, "HELLO");
  assert.equal(pids.length, 1);
  const pid = pids[0] ?? 0;
  await client.close();
  await eventually(() => disconnected.length === 1, 5000);
  assert.deepEqual(disconnected, ["tools"]);
  const alive = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  await eventually(() => !alive(), 5000);
});

test("MCP frames get MCP_DISABLED when the app has neither a policy nor onMcpConnect", async (t) => {
  const client = await gateway(t, createApp());
  client.send({ type: "mcp_connect", id: "c1", connection: { name: "x", transport: "sse", url: "http://x.test/" } });
  const error = await client.until("error");
  assert.equal(error.code, "MCP_DISABLED");
  assert.equal(error.replyTo, "c1");
  client.send({ type: "mcp_disconnect", id: "d1", name: "x" });
  assert.equal((await client.until("error")).code, "MCP_DISABLED");
});

test("limits and names: MCP_LIMIT, MCP_NAME_TAKEN, UNKNOWN_MCP_SERVER; mcp_disconnect runs onMcpDisconnect", async (t) => {
  const mcp = await startHttpMcpServer(t);
  const chat = createApp();
  const disconnected: string[] = [];
  chat.onMcpDisconnect(async (_ctx, name, client) => {
    await client.ping(); // still open during the hook
    disconnected.push(name);
  });
  const client = await gateway(t, chat, { ...local, maxServersPerSession: 1 });
  const connect = (id: string, name: string) =>
    client.send({ type: "mcp_connect", id, connection: { name, transport: "streamable-http", url: mcp.url } });
  connect("c1", "a");
  await client.until("mcp_connected", 5000);
  connect("c2", "a");
  assert.equal((await client.until("error")).code, "MCP_NAME_TAKEN");
  connect("c3", "b");
  assert.equal((await client.until("error")).code, "MCP_LIMIT");
  client.send({ type: "mcp_disconnect", id: "d1", name: "a" });
  const gone = await client.until("mcp_disconnected");
  assert.deepEqual([gone.name, gone.reason, gone.replyTo], ["a", "user", "d1"]);
  assert.deepEqual(disconnected, ["a"]);
  client.send({ type: "mcp_disconnect", id: "d2", name: "a" });
  const unknown = await client.until("error");
  assert.deepEqual([unknown.code, unknown.replyTo], ["UNKNOWN_MCP_SERVER", "d2"]);
  connect("c4", "b");
  assert.equal((await client.until("mcp_connected", 5000)).name, "b", "a removed server frees its place");
});

test("a server that cannot be reached gives MCP_CONNECT_FAILED; onMcpConnect throwing refuses the server", async (t) => {
  const mcp = await startHttpMcpServer(t);
  const chat = createApp();
  chat.onMcpConnect((_ctx, connection) => {
    if (connection.name === "denied") throw new Error("not this one");
  });
  const client = await gateway(t, chat, local);
  const closedPort = new URL(mcp.url);
  closedPort.port = "1";
  client.send({
    type: "mcp_connect",
    id: "c1",
    connection: { name: "gone", transport: "streamable-http", url: closedPort.href },
  });
  const failed = await client.until("error", 5000);
  assert.deepEqual([failed.code, failed.replyTo], ["MCP_CONNECT_FAILED", "c1"]);
  client.send({
    type: "mcp_connect",
    id: "c2",
    connection: { name: "denied", transport: "streamable-http", url: mcp.url },
  });
  await eventually(() => client.received.filter((frame) => frame.type === "error").length === 2, 5000);
  const refused = client.received.filter((frame) => frame.type === "error")[1];
  assert.equal(refused?.type === "error" ? refused.code : undefined, "HANDLER_FAILED");
  assert.ok(!client.received.some((frame) => frame.type === "mcp_connected"));
});

test("an SSE server joins the session and its tools are called, with the user's headers on every request", async (t) => {
  const mcp = await startSseMcpServer(t);
  const chat = createApp();
  chat.onMessage(async (ctx, message) => {
    const result = await ctx.mcp.call("old", "echo", { text: message.content });
    const [part] = result.content;
    await ctx.send(part?.type === "text" ? part.text : "?");
  });
  const client = await gateway(t, chat, local);
  client.send({
    type: "mcp_connect",
    id: "c1",
    connection: { name: "old", transport: "sse", url: mcp.url, headers: { "x-api-key": "k-123" } },
  });
  const connected = await client.until("mcp_connected", 5000);
  assert.equal(connected.transport, "sse");
  client.send({ type: "user_message", id: "m1", content: "over sse" });
  assert.equal((await client.until("message_new", 5000)).message.content, "echo: over sse");
  assert.ok(mcp.headers.length >= 2);
  assert.ok(mcp.headers.every((headers) => headers["x-api-key"] === "k-123"));
});

test("welcome.mcp lists the transports the app's policy can allow; absent when the app takes no MCP servers", async (t) => {
  const transportsOf = async (chat: ChatApp<Record<string, unknown>>, mcp?: McpPolicy) =>
    (await gateway(t, chat, mcp)).welcome?.mcp?.transports;
  assert.equal(await transportsOf(createApp()), undefined);
  assert.deepEqual(await transportsOf(createApp(), local), ["streamable-http", "sse"]);
  assert.deepEqual(await transportsOf(createApp(), { allowCommands: [stdioServer] }), ["stdio"]);
  assert.deepEqual(await transportsOf(createApp(), { ...local, allowCommands: ["npx"] }), [
    "streamable-http",
    "sse",
    "stdio",
  ]);
  const hooked = createApp();
  hooked.onMcpConnect(() => undefined);
  assert.deepEqual(await transportsOf(hooked), [], "onMcpConnect without a policy: on, but nothing allowed");
});
