// Chainlit's shared threads (lib/adapters/chainlit/share.ts) with real HTTP on the built package: the author shares
// with `PUT /project/thread/share` ({threadId, isShared}) as Chainlit's share dialog does, the list marks the thread
// `is_shared`, and `GET /project/share/:threadId` (Chainlit's share page) shows it read-only to whoever the app's
// onSharedThreadView allows, without private metadata or the author's ids, until unshared or deleted.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { createApp, createSqliteLayer } from "chatwire";
import { io } from "socket.io-client";
import { eventually, startGateway } from "../support/gateway.ts";

const portOf = (server: { server: { address(): unknown } }) => (server.server.address() as { port: number }).port;

test("Chainlit: share, view as author, allowed, refused and anonymous viewers, unshare, delete", async (t) => {
  const chat = createApp();
  chat.passwordAuth(({ username, password }) => (password === `${username}-pw` ? { identifier: username } : undefined));
  chat.onMessage(async (ctx, message) => {
    await ctx.thread.setMetadata({ topic: "travel", notes: "ada's own", private: ["notes"] });
    await ctx.send(`echo ${message.content}`);
  });
  const asked: (string | undefined)[] = [];
  chat.onSharedThreadView((_thread, viewer) => {
    asked.push(viewer?.identifier);
    return viewer?.identifier !== "bob"; // anyone but bob, signed in or not
  });
  const dir = mkdtempSync(join(tmpdir(), "chatwire-chainlit-share-"));
  const layer = createSqliteLayer({ path: join(dir, "chatwire.db") });
  await layer.migrate();
  t.after(async () => {
    await layer.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const server = await startGateway(t, {
    hooks: chat.seal(),
    data: layer,
    auth: { secret: "chainlit-share-routes-test-secret-0123456789" },
    protocols: { chainlit: true },
  });
  const base = `http://127.0.0.1:${portOf(server)}`;
  const logIn = async (username: string) => {
    const body = new URLSearchParams({ username, password: `${username}-pw` });
    const reply = await fetch(`${base}/login`, { method: "POST", body });
    return reply.headers.get("set-cookie")?.split(";")[0] ?? assert.fail("no cookie");
  };
  const [ada, bob, carol] = await Promise.all([logIn("ada"), logIn("bob"), logIn("carol")]);
  const call = async (method: string, path: string, cookie: string, body?: unknown) => {
    const reply = await fetch(`${base}${path}`, {
      method,
      headers: body === undefined ? { cookie } : { cookie, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: reply.status, headers: reply.headers, body: (await reply.json()) as Record<string, unknown> };
  };

  const settings = await call("GET", "/project/settings", ada);
  assert.equal(settings.body.threadSharing, true, "Chainlit shows its share button");

  // ada's thread, made through Chainlit's socket.
  const socket = io(base, {
    path: "/ws/socket.io",
    transports: ["websocket"],
    extraHeaders: { cookie: ada },
    auth: { sessionId: crypto.randomUUID(), threadId: "", clientType: "webapp", userEnv: "{}", chatProfile: "" },
    reconnection: false,
  });
  t.after(() => socket.close());
  let threadId = "";
  let answered = false;
  socket.on("first_interaction", (payload: { thread_id: string }) => {
    threadId = payload.thread_id;
  });
  socket.on("new_message", (payload: { output: string }) => {
    answered ||= payload.output === "echo plans";
  });
  await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
  socket.emit("connection_successful");
  socket.emit("client_message", { message: { id: crypto.randomUUID(), output: "plans" }, fileReferences: [] });
  await eventually(() => answered && threadId !== "", 3000);
  socket.close(); // the session ends: its thread is written whole
  const list = async () => {
    const page = await call("POST", "/project/threads", ada, { pagination: { first: 20 }, filter: {} });
    return page.body.data as { id: string; metadata: Record<string, unknown> }[];
  };
  for (let tries = 0; (await list()).length === 0 && tries < 100; tries++) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(
    (await list()).map(({ metadata }) => metadata),
    [{}],
    "not shared yet",
  );

  const view = (cookie: string) => call("GET", `/project/share/${threadId}`, cookie);
  assert.equal((await view("")).status, 404, "a thread its author has not shared is no share, whatever the hook says");
  assert.deepEqual(asked, [], "the hook is not asked about an unshared thread");

  assert.equal((await call("PUT", "/project/thread/share", "", { threadId, isShared: true })).status, 401);
  assert.equal((await call("PUT", "/project/thread/share", bob, { threadId, isShared: true })).status, 404);
  assert.equal((await call("PUT", "/project/thread/share", ada, { threadId })).status, 400);
  const shared = await call("PUT", "/project/thread/share", ada, { threadId, isShared: true });
  assert.deepEqual([shared.status, shared.body], [200, { success: true }]);
  const shareId = (await layer.getThread(threadId))?.shareId ?? assert.fail("no share id stored");
  await call("PUT", "/project/thread/share", ada, { threadId, isShared: true });
  assert.equal((await layer.getThread(threadId))?.shareId, shareId, "sharing again keeps the link");
  assert.deepEqual(
    (await list()).map(({ metadata }) => metadata),
    [{ is_shared: true }],
    "Chainlit's list marks it",
  );

  const anonymous = await view("");
  assert.equal(anonymous.status, 200);
  assert.equal(anonymous.headers.get("cache-control"), "no-store");
  const thread = anonymous.body as {
    id: string;
    steps: { type: string; output: string }[];
    metadata: Record<string, unknown>;
    userIdentifier?: unknown;
  };
  assert.equal(thread.id, threadId);
  assert.deepEqual(
    thread.steps.map(({ type, output }) => [type, output]),
    [
      ["user_message", "plans"],
      ["assistant_message", "echo plans"],
    ],
  );
  assert.deepEqual(thread.metadata, { topic: "travel" }, "no private keys, no list of them, no saved session");
  assert.equal(thread.userIdentifier, undefined, "the author's ids stay with the author");
  assert.equal((await view(carol)).status, 200, "a signed-in viewer the hook allows");
  assert.equal((await view(bob)).status, 404, "the hook refuses bob");
  assert.equal((await view(ada)).status, 200, "the author always");
  assert.deepEqual(asked, [undefined, "carol", "bob"], "asked for everyone but the author");
  const native = await call("GET", `/shared/${shareId}`, "");
  assert.deepEqual(
    (native.body.steps as { content: string }[]).map(({ content }) => content),
    thread.steps.map(({ output }) => output),
    "the same thread as chatwire's own share route",
  );

  const unshared = await call("PUT", "/project/thread/share", ada, { threadId, isShared: false });
  assert.deepEqual([unshared.status, unshared.body], [200, { success: true }]);
  assert.equal((await view("")).status, 404, "closed at once");
  assert.equal((await view(ada)).status, 404, "even for its author: it is no longer a share");
  assert.equal((await call("GET", `/shared/${shareId}`, "")).status, 404);
  assert.deepEqual(
    (await list()).map(({ metadata }) => metadata),
    [{}],
  );

  await call("PUT", "/project/thread/share", ada, { threadId, isShared: true });
  assert.equal((await view("")).status, 200);
  assert.equal((await call("DELETE", "/project/thread", ada, { threadId })).status, 200);
  assert.equal((await view("")).status, 404, "a deleted thread's share is gone");
  assert.equal((await call("PUT", "/project/thread/share", ada, { threadId, isShared: true })).status, 404);
  assert.equal((await call("GET", `/project/share/${"x".repeat(80)}`, "")).status, 404, "an overlong id names nothing");
});
