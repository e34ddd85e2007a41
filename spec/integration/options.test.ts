// An option given as `undefined` means "use the default", as an absent one does, in every group of options: the
// plugin's (and its auth options), createServer/serve and where they listen, the playground page, connectClient
// and the fake context. (`{ path: process.env.WS_PATH }` must not mean "no path", nor `helloTimeoutMs: undefined`
// "close every socket at once", nor `maxQueuedTasks: undefined` "no bound".)
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { createApp, type GatewayOptions, playground } from "chatwire";
import { connectClient, createFakeContext } from "chatwire/testing";
import Fastify from "fastify";
import { eventually, pause, startGateway } from "../support/gateway.ts";
import { typescriptLoader } from "../support/process.ts";

/** Every gateway option but `hooks`, given as undefined. */
const everyGatewayOption: Omit<Required<GatewayOptions>, "hooks"> = {
  path: undefined,
  initialState: undefined,
  maxFrameBytes: undefined,
  maxFramesPerSecond: undefined,
  maxSessionsPerUser: undefined,
  helloTimeoutMs: undefined,
  data: undefined,
  allowedOrigins: undefined,
  auth: undefined,
  writeTimeoutMs: undefined,
  shareViewTimeoutMs: undefined,
  loginThrottle: undefined,
  onReady: undefined,
  protocols: undefined,
  reconnectGraceMs: undefined,
  maxQueuedTasks: undefined,
  maxQueuedEvents: undefined,
  maxPendingAsks: undefined,
  maxAudioBytes: undefined,
  maxStoreBytes: undefined,
  askTimeoutMs: undefined,
  maxAskTimeoutMs: undefined,
  maxMessageBytes: undefined,
  maxStreamBytes: undefined,
  maxSessionsPerNode: undefined,
  maxTurnsPerNode: undefined,
  durableTurns: undefined,
  recoverTurns: undefined,
  maxTurnAttempts: undefined,
  orphanSweepMs: undefined,
  maxHeadlessRecoveries: undefined,
  taskTimeoutMs: undefined,
  endGraceMs: undefined,
  highWaterBytes: undefined,
  maxPendingBytes: undefined,
  maxReplayFrames: undefined,
  maxReplayBytes: undefined,
  stallTimeoutMs: undefined,
  maxQueuedTaskBytes: undefined,
  maxQueuedEventBytes: undefined,
  maxQueuedAudioBytes: undefined,
  revocationCheckMs: undefined,
  editMessages: undefined,
  favorites: undefined,
  maxUploadBytes: undefined,
  maxUploadBytesPerSession: undefined,
  maxUploadBytesPerUser: undefined,
  uploadAccept: undefined,
  unclaimedUploadTtlMs: undefined,
  fileUrlSecret: undefined,
  fileStorage: undefined,
  maxAudioBufferedBytes: undefined,
  cluster: undefined,
  midReply: undefined,
  mcp: undefined,
};

test("the plugin: every option given as undefined takes its default (/ws, a hello timeout, 16 queued tasks)", async (t) => {
  let release = () => {};
  const blocked = new Promise<void>((resolve) => {
    release = resolve;
  });
  const chat = createApp();
  chat.onMessage(async (ctx, message) => {
    if (message.content === "block") await blocked;
    await ctx.send(`done ${message.content}`);
  });
  const server = await startGateway(t, { hooks: chat.seal(), ...everyGatewayOption });
  const client = await connectClient(server, {
    hello: undefined,
    path: undefined,
    headers: undefined,
    chatProfile: undefined,
    resume: undefined,
    ackEvery: undefined,
  });
  t.after(() => client.close());
  assert.equal(client.welcome?.type, "welcome");

  client.send({ type: "user_message", id: "m0", content: "block" });
  await client.until("task_start");
  for (let i = 1; i <= 20; i++) client.send({ type: "user_message", id: `m${i}`, content: String(i) });
  const refused: (string | undefined)[] = [];
  while (refused.length < 4) refused.push((await client.until("error")).replyTo);
  assert.deepEqual(refused, ["m17", "m18", "m19", "m20"], "16 tasks wait behind the running one, no more");
  release();
  const done = ["block", ...Array.from({ length: 16 }, (_, i) => String(i + 1))].map((text) => `done ${text}`);
  for (const text of done) assert.equal((await client.until("message_new")).message.content, text);
  await pause(50);
  assert.equal(client.received.filter((frame) => frame.type === "error").length, 4);
});

test("passwordAuth: auth options given as undefined take their defaults (env secret, 24 h, cookie not Secure)", async (t) => {
  const saved = process.env.CHATWIRE_AUTH_SECRET;
  process.env.CHATWIRE_AUTH_SECRET = "a secret from the environment, 32 bytes or more";
  t.after(() => {
    if (saved === undefined) delete process.env.CHATWIRE_AUTH_SECRET;
    else process.env.CHATWIRE_AUTH_SECRET = saved;
  });
  const chat = createApp();
  chat.passwordAuth(({ password }) => (password === "pw" ? { identifier: "ada" } : undefined));
  const auth = { secret: undefined, ttlSeconds: undefined, secureCookie: undefined };
  const server = await startGateway(t, { hooks: chat.seal(), auth });
  const login = await server.inject({
    method: "POST",
    url: "/auth/login",
    payload: { username: "ada", password: "pw" },
  });
  assert.equal(login.statusCode, 200, login.body);
  const cookie = String(login.headers["set-cookie"]);
  assert.match(cookie, /Max-Age=86400/);
  assert.doesNotMatch(cookie, /Secure/);
});

test("the playground page: options given as undefined allow only the page's own origin", async (t) => {
  const server = Fastify({ logger: false });
  await server.register(playground, { allowedParentOrigins: undefined, allowedGateways: undefined });
  t.after(() => server.close());
  const page = await server.inject({ url: "/" });
  assert.equal(page.statusCode, 200);
  const policy = String(page.headers["content-security-policy"]);
  assert.match(policy, /connect-src 'self';/);
  assert.match(policy, /frame-ancestors 'self'$/);
  assert.equal(page.headers["x-frame-options"], "SAMEORIGIN");
});

test("serve: every option given as undefined takes its default (default app, SQLite in .chatwire/, the page, PORT)", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "chatwire-defaults-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const child = spawn(process.execPath, [...typescriptLoader, resolve("spec/fixtures/serve-defaults.ts")], {
    cwd: dir,
    env: { ...process.env, PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: undefined, DATABASE_URL: undefined },
    stdio: ["ignore", "pipe", "pipe"],
  });
  t.after(() => child.kill("SIGKILL"));
  let output = "";
  for (const stream of [child.stdout, child.stderr]) stream.on("data", (chunk) => (output += String(chunk)));
  const listening = /listening at (http:\/\/127\.0\.0\.1:\d+)/;
  await eventually(() => listening.test(output) || child.exitCode !== null, 20_000);
  const base = listening.exec(output)?.[1];
  assert.ok(base, output);

  const page = await fetch(`${base}/`);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /<html/i);
  const client = await connectClient(`${base.replace(/^http/, "ws")}/ws`);
  client.send({ type: "user_message", id: "m1", content: "hi" });
  assert.equal((await client.until("message_new")).message.content, "default app: hi");
  await client.close();
  assert.ok(existsSync(join(dir, ".chatwire", "chatwire.db")), "persisted to SQLite in .chatwire/");

  const exited = once(child, "exit");
  child.kill("SIGTERM");
  assert.equal((await exited)[0], 0, output);
});

test("the fake context and ctx.send: fields given as undefined take their defaults", async () => {
  const ctx = createFakeContext({
    state: undefined,
    user: undefined,
    chatProfile: undefined,
    sessionId: undefined,
    threadId: undefined,
    hooks: undefined,
    now: undefined,
    askTimeoutMs: undefined,
    maxAskTimeoutMs: undefined,
    maxStreamBytes: undefined,
  });
  assert.equal(ctx.sessionId, "session1");
  await ctx.send({ content: "hi", author: undefined, actions: undefined, elements: undefined, role: undefined });
  const [sent] = ctx.sentOf("message_new");
  assert.equal(sent?.message.author, "Assistant");
  assert.equal(sent?.message.role, "assistant");
  assert.equal(sent?.message.createdAt, "2026-01-01T00:00:00.000Z");
});
