// Live followers of a thread on one node (the built package, real sockets, SQLite): another tab of the thread's
// owner and a read-only viewer of its share see a turn as it runs, each frame once, in order; nobody else can.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import type { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import { createApp, createSqliteLayer, type GatewayOptions } from "chatwire";
import type { ClientFrame, FollowedFrame, ServerFrame } from "chatwire/protocol";
import { connectClient, type TestClient } from "chatwire/testing";
import type { FastifyInstance } from "fastify";
import { eventually, startGateway } from "../support/gateway.ts";

const secret = "a-test-secret-that-is-long-enough-0123456789";
type Client = TestClient & { welcome?: Extract<ServerFrame, { type: "welcome" }> };

/** A gateway on a fresh SQLite file where anyone signs in with password `<name>-pw`; the app answers each message
 * by streaming `words` tokens. */
async function setup(t: TestContext, options: Partial<GatewayOptions<object>> = {}, words = 50, size = 1) {
  const chat = createApp();
  chat.passwordAuth(({ username, password }) => (password === `${username}-pw` ? { identifier: username } : undefined));
  chat.onSharedThreadView(() => true);
  chat.onMessage(async (ctx, message) => {
    const reply = await ctx.stream();
    for (let i = 0; i < words; i++) await reply.streamToken(`${message.content}-${i}${"~".repeat(size - 1)} `);
    await reply.endStream();
  });
  const dir = mkdtempSync(join(tmpdir(), "chatwire-followers-"));
  const layer = createSqliteLayer({ path: join(dir, "chatwire.db") });
  await layer.migrate();
  t.after(async () => {
    await layer.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const server = await startGateway(t, { hooks: chat.seal(), data: layer, auth: { secret }, ...options });
  const signIn = async (username: string) => {
    const reply = await server.inject({
      method: "POST",
      url: "/auth/login",
      payload: { username, password: `${username}-pw` },
    });
    return { authorization: `Bearer ${(reply.json() as { token: string }).token}` };
  };
  return { server, signIn };
}

/** Connects with its own hello (a thread to reopen, a share to view) and waits for the welcome. */
async function open(server: FastifyInstance, headers: Record<string, string>, hello: Partial<ClientFrame> = {}) {
  const client: Client = await connectClient(server, { headers, hello: false });
  client.send({ type: "hello", protocol: 1, ...hello } as ClientFrame);
  const welcome = await client.until("welcome");
  return Object.assign(client, { welcome });
}

const followed = (client: TestClient): FollowedFrame[] =>
  client.received.flatMap((frame) => (frame.type === "follow" ? [frame.frame] : []));
const tokens = (frames: readonly { type: string; token?: string }[]) =>
  frames.flatMap((frame) => (frame.type === "stream_token" ? [frame.token ?? ""] : [])).join("");
const answer = (word: string, words = 50) => Array.from({ length: words }, (_, i) => `${word}-${i} `).join("");

/** ada's first tab, with one finished turn so that the thread is stored. */
async function firstTab(server: FastifyInstance, ada: Record<string, string>) {
  const tab = await open(server, ada);
  tab.send({ type: "user_message", id: "m0", content: "first" });
  await tab.until("task_end", 5000);
  return tab;
}

test("two tabs of one user on one thread: a turn one runs streams to both, every token once, in order", async (t) => {
  const { server, signIn } = await setup(t);
  const ada = await signIn("ada");
  const one = await firstTab(server, ada);
  const threadId = one.welcome?.threadId ?? "";
  const two = await open(server, ada, { thread: { id: threadId } });
  t.after(() => Promise.all([one.close(), two.close()]));
  await two.until("thread_history");
  one.send({ type: "user_message", id: "m1", content: "hello" });
  await eventually(() => followed(two).some((frame) => frame.type === "task_end"), 5000);
  const seen = followed(two);
  assert.deepEqual(
    seen.map((frame) => frame.type).filter((type) => type !== "stream_token"),
    ["task_start", "message_new", "stream_start", "stream_end", "task_end"],
  );
  const user = seen.find((frame) => frame.type === "message_new");
  assert.equal(user?.type === "message_new" && `${user.message.role}:${user.message.content}`, "user:hello");
  assert.equal(tokens(seen), answer("hello"), "the other tab: every token once, in order");
  await one.until("task_end", 5000);
  const mine = one.received.slice(one.received.findLastIndex((frame) => frame.type === "task_start"));
  assert.equal(tokens(mine), answer("hello"));
  assert.equal(followed(one).length, 0, "the tab that runs the turn gets it once, as its own frames");
  // Frames are numbered in the follower's own session: resumable like any other.
  const seqs = two.received.filter((frame) => frame.seq > 0).map((frame) => frame.seq);
  assert.deepEqual(
    seqs,
    seqs.map((_, i) => i + 1),
  );

  // The other way round: the second tab sends, the first follows.
  two.send({ type: "user_message", id: "m2", content: "back" });
  await eventually(() => followed(one).some((frame) => frame.type === "task_end"), 5000);
  assert.equal(tokens(followed(one)), answer("back"));
});

test("another user cannot follow the thread: it is not theirs to reopen, and nothing of the turn reaches them", async (t) => {
  const { server, signIn } = await setup(t);
  const [ada, bob] = [await signIn("ada"), await signIn("bob")];
  const one = await firstTab(server, ada);
  const threadId = one.welcome?.threadId ?? "";
  const intruder = await open(server, bob, { thread: { id: threadId } });
  t.after(() => Promise.all([one.close(), intruder.close()]));
  assert.notEqual(intruder.welcome.threadId, threadId, "a conversation of bob's own");
  assert.ok(intruder.received.some((frame) => frame.type === "error" && frame.code === "THREAD_NOT_FOUND"));
  // Nor can bob view it read-only: it is not shared.
  const share = (await server.inject({ method: "PUT", url: `/threads/${threadId}/share`, headers: ada })).json();
  await server.inject({ method: "DELETE", url: `/threads/${threadId}/share`, headers: ada });
  const viewer = await connectClient(server, { headers: bob, hello: false });
  viewer.send({ type: "hello", protocol: 1, view: { shareId: (share as { shareId: string }).shareId } });
  assert.equal(await viewer.closed, 4403);
  assert.ok(viewer.received.some((frame) => frame.type === "error" && frame.code === "THREAD_NOT_FOUND"));
  one.send({ type: "user_message", id: "m1", content: "secret" });
  await one.until("task_end", 5000);
  assert.equal(JSON.stringify(intruder.received).includes("secret"), false);
});

test("a read-only viewer of a shared thread follows a turn, and whatever it sends is refused with VIEW_ONLY", async (t) => {
  const { server, signIn } = await setup(t);
  const [ada, bob] = [await signIn("ada"), await signIn("bob")];
  const one = await firstTab(server, ada);
  const threadId = one.welcome?.threadId ?? "";
  const shared = await server.inject({ method: "PUT", url: `/threads/${threadId}/share`, headers: ada });
  const { shareId } = shared.json() as { shareId: string };
  const viewer = await open(server, bob, { view: { shareId } });
  t.after(() => Promise.all([one.close(), viewer.close()]));
  assert.equal(viewer.welcome.view, true);
  assert.equal(viewer.welcome.threadId, threadId);
  const history = await viewer.until("thread_history");
  assert.ok(history.steps.some((step) => step.kind === "message" && step.content.startsWith("first-0 first-1")));

  viewer.send({ type: "user_message", id: "v1", content: "let me in" });
  const refused = await viewer.until("error");
  assert.equal(refused.code, "VIEW_ONLY");
  assert.equal(refused.replyTo, "v1");
  viewer.send({ type: "stop" });
  assert.equal((await viewer.until("error")).code, "VIEW_ONLY");

  one.send({ type: "user_message", id: "m1", content: "live" });
  await eventually(() => followed(viewer).some((frame) => frame.type === "task_end"), 5000);
  assert.equal(tokens(followed(viewer)), answer("live"));
  for (const frame of followed(viewer)) {
    if (frame.type === "message_new" || frame.type === "stream_start") assert.deepEqual(frame.message.actions, []);
  }
  await one.until("task_end", 5000);
  assert.equal(tokens(one.received.slice(one.received.findLastIndex((f) => f.type === "task_start"))), answer("live"));
  assert.equal(JSON.stringify(one.received).includes("let me in"), false, "the viewer's message went nowhere");

  // Unsharing closes the live view at once (4403), for good: its resume is refused, and nothing more reaches it.
  const unshared = await server.inject({ method: "DELETE", url: `/threads/${threadId}/share`, headers: ada });
  assert.equal(unshared.statusCode, 204);
  assert.equal(await viewer.closed, 4403);
  const { sessionId, resumeToken } = viewer.welcome;
  const again = await connectClient(server, {
    headers: bob,
    resume: { sessionId, resumeToken, lastSeq: viewer.lastSeq },
  });
  t.after(() => again.close());
  assert.ok(again.received.some((frame) => frame.type === "resume_failed"));
  assert.equal(again.welcome?.view, undefined, "a conversation of bob's own, not the view");
});

test("a viewer that drops mid-turn resumes with each frame once; the turn's tokens add up exactly", async (t) => {
  const { server, signIn } = await setup(t, {}, 2000);
  const ada = await signIn("ada");
  const one = await firstTab(server, ada);
  const threadId = one.welcome?.threadId ?? "";
  const { shareId } = (
    await server.inject({ method: "PUT", url: `/threads/${threadId}/share`, headers: ada })
  ).json() as { shareId: string };
  const viewer = await open(server, ada, { view: { shareId } });
  one.send({ type: "user_message", id: "m1", content: "long" });
  await eventually(() => followed(viewer).filter((frame) => frame.type === "stream_token").length >= 100, 5000);
  await viewer.drop();
  const before = viewer.received.filter((frame) => frame.seq > 0);
  const { sessionId, resumeToken } = viewer.welcome;
  const again = await connectClient(server, {
    headers: ada,
    resume: { sessionId, resumeToken, lastSeq: viewer.lastSeq },
  });
  t.after(() => Promise.all([one.close(), again.close()]));
  assert.equal(again.welcome?.resumed, true);
  assert.equal(again.welcome?.view, true);
  await eventually(() => followed(again).some((frame) => frame.type === "task_end"), 10_000);
  const all = [...before, ...again.received.filter((frame) => frame.seq > 0)];
  assert.deepEqual(
    all.map((frame) => frame.seq),
    all.map((_, i) => i + 1),
    "every seq once, in order",
  );
  assert.equal(tokens(all.flatMap((frame) => (frame.type === "follow" ? [frame.frame] : []))), answer("long", 2000));
});

test("a slow viewer is cut off (4008, then dropped) while the turn and the first tab go on unaffected", async (t) => {
  const words = 16 * 1024;
  const { server, signIn } = await setup(
    t,
    { highWaterBytes: 64 * 1024, maxPendingBytes: 1024 * 1024, maxStreamBytes: 1024 ** 3, reconnectGraceMs: 60_000 },
    words,
    1024,
  );
  const serverSockets: Socket[] = [];
  server.server.on("upgrade", (_request, socket: Socket) => serverSockets.push(socket));
  const ada = await signIn("ada");
  const one = await firstTab(server, ada);
  const threadId = one.welcome?.threadId ?? "";
  const { shareId } = (
    await server.inject({ method: "PUT", url: `/threads/${threadId}/share`, headers: ada })
  ).json() as { shareId: string };
  const viewer = await open(server, ada, { view: { shareId } });
  await viewer.until("thread_history");
  viewer.socket.pause(); // reads nothing from now on
  one.send({ type: "user_message", id: "m1", content: "flood" });
  await one.until("task_end", 60_000);
  const flood = Array.from({ length: words }, (_, i) => `flood-${i}${"~".repeat(1023)} `).join("");
  const turn = one.received.slice(one.received.findLastIndex((frame) => frame.type === "task_start"));
  assert.equal(tokens(turn), flood, "the first tab got the whole answer");
  assert.equal(turn.find((frame) => frame.type === "stream_end")?.type, "stream_end");
  assert.ok(serverSockets.length >= 2);
  viewer.socket.resume();
  const code = await Promise.race([viewer.closed, new Promise<number>((r) => setTimeout(() => r(-1), 15_000))]);
  assert.ok([4008, 1006].includes(code), `closed with ${code}`);
  // Its backlog passed its budget while it was away: dropped, not kept — a resume is refused.
  const again = await connectClient(server, {
    headers: ada,
    resume: { sessionId: viewer.welcome.sessionId, resumeToken: viewer.welcome.resumeToken, lastSeq: viewer.lastSeq },
  });
  t.after(() => Promise.all([one.close(), again.close()]));
  assert.ok(again.received.some((frame) => frame.type === "resume_failed"));
});
