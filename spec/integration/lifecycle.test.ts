// App lifecycle and the three ways in: a script run by the CLI, the plugin embedded in a server, and shutdown.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { test } from "node:test";
import websocket from "@fastify/websocket";
import { abortKind, chatwire, createApp, createServer, isChatwireError } from "chatwire";
import { connectClient } from "chatwire/testing";
import Fastify from "fastify";
import { eventually } from "../support/gateway.ts";

test("onAppStartup runs before the server listens; a failing one stops the start with STARTUP_FAILED", async () => {
  const chat = createApp();
  const order: string[] = [];
  chat.onAppStartup(async () => {
    await new Promise((resolve) => setTimeout(resolve, 20));
    order.push("startup");
  });
  const server = Fastify({ logger: false });
  await server.register(chatwire, { hooks: chat.seal() });
  server.server.once("listening", () => order.push("listening"));
  await server.listen({ host: "127.0.0.1", port: 0 });
  await server.close();
  assert.deepEqual(order, ["startup", "listening"]);

  const broken = createApp();
  broken.onAppStartup(() => {
    throw new Error("no model");
  });
  const failing = Fastify({ logger: false });
  const start = async () => {
    await failing.register(chatwire, { hooks: broken.seal() });
    await failing.listen({ host: "127.0.0.1", port: 0 });
  };
  await assert.rejects(start(), (error) => isChatwireError(error, "STARTUP_FAILED") && /no model/.test(error.message));
  assert.equal(failing.server.listening, false);
  await failing.close();
});

test("close tells clients to go, aborts tasks with shutdown, ends every session once, then onAppShutdown once", async () => {
  const chat = createApp();
  const log: string[] = [];
  chat.onMessage(async (ctx) => {
    await new Promise<void>((resolve) => ctx.signal.addEventListener("abort", () => resolve(), { once: true }));
    log.push(`task ${abortKind(ctx.signal)}`);
  });
  chat.onChatEnd((ctx) => {
    log.push(`end ${abortKind(ctx.signal)}`);
  });
  chat.onAppShutdown(() => {
    log.push("shutdown");
  });
  const server = Fastify({ logger: false });
  await server.register(chatwire, { hooks: chat.seal() });
  await server.listen({ host: "127.0.0.1", port: 0 });
  const clients = await Promise.all([connectClient(server), connectClient(server)]);
  for (const client of clients) client.send({ type: "user_message", id: "m", content: "busy" });
  for (const client of clients) await client.until("task_start");
  await server.close();
  for (const client of clients) {
    assert.equal((await client.until("shutdown")).reason, "server shutting down");
    assert.equal(await client.closed, 1001);
  }
  assert.deepEqual(log.filter((l) => l.startsWith("task")).sort(), ["task shutdown", "task shutdown"]);
  assert.deepEqual(
    log.filter((l) => l.startsWith("end")),
    ["end shutdown", "end shutdown"],
  );
  assert.equal(log.at(-1), "shutdown");
  assert.equal(log.filter((l) => l === "shutdown").length, 1);
});

test("embedding: the plugin sits beside the host's routes, under its own path, with @fastify/websocket already there", async (t) => {
  const chat = createApp();
  chat.onMessage(async (ctx, message) => {
    await ctx.send(`embedded ${message.content}`);
  });
  const host = Fastify({ logger: false });
  await host.register(websocket);
  host.get("/health", async () => ({ ok: true }));
  await host.register(chatwire, { hooks: chat.seal(), path: "/chat" });
  await host.listen({ host: "127.0.0.1", port: 0 });
  t.after(() => host.close());
  const health = await host.inject({ method: "GET", url: "/health" });
  assert.deepEqual(health.json(), { ok: true });
  const client = await connectClient(host, { path: "/chat" });
  client.send({ type: "user_message", id: "m", content: "hi" });
  assert.equal((await client.until("message_new")).message.content, "embedded hi");
  await client.close();
});

test("a script run with `chatwire run` serves its hooks on PORT and shuts down cleanly on SIGTERM", async (t) => {
  const child = spawn(
    process.execPath,
    ["bin/chatwire.js", "run", "spec/fixtures/script-app.ts", "--host", "127.0.0.1"],
    {
      env: { ...process.env, PORT: "0", LOG_LEVEL: "info" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  t.after(() => child.kill("SIGKILL"));
  let output = "";
  child.stdout.on("data", (chunk) => {
    output += String(chunk);
  });
  child.stderr.on("data", (chunk) => {
    output += String(chunk);
  });
  // Bounded generously: on a loaded CI machine the first start transpiles the app and warms esbuild.
  await eventually(() => /listening at http:\/\/127\.0\.0\.1:(\d+)/.test(output), 30_000);
  const port = /listening at http:\/\/127\.0\.0\.1:(\d+)/.exec(output)?.[1];
  const client = await connectClient(`ws://127.0.0.1:${port}/ws`);
  client.send({ type: "user_message", id: "m", content: "hello" });
  assert.equal((await client.until("message_new")).message.content, "script: hello");
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  const [code] = await exited;
  assert.equal(code, 0);
  assert.ok(output.indexOf("STARTUP") < output.indexOf("CHAT_END"), output);
  assert.ok(output.indexOf("CHAT_END") < output.indexOf("SHUTDOWN"), output);
});

test("createServer passes playground options on: an allowed parent origin may frame the page", async (t) => {
  const chat = createApp();
  const server = await createServer({
    hooks: chat.seal(),
    data: false,
    logger: false,
    playground: { allowedParentOrigins: ["https://shop.example"] },
  });
  t.after(() => server.close());
  const page = await server.inject({ method: "GET", url: "/" });
  assert.equal(page.statusCode, 200);
  assert.match(String(page.headers["content-security-policy"]), /frame-ancestors 'self' https:\/\/shop\.example/);
  const without = await createServer({ hooks: createApp().seal(), data: false, logger: false, playground: false });
  t.after(() => without.close());
  assert.equal((await without.inject({ method: "GET", url: "/" })).statusCode, 404);
});
