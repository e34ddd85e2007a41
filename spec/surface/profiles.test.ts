// Chat profiles and starters end to end: listed over HTTP before a session, chosen in hello (UNKNOWN_PROFILE
// otherwise), the default one when none is named, starters on a new conversation, restored with a reopened thread.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { createApp, createSqliteLayer, type User } from "chatwire";
import { type ChatClient, type ChatSnapshot, connect } from "chatwire/client";
import { connectClient, wsUrl } from "chatwire/testing";
import { startGateway } from "../support/gateway.ts";

/** Resolves with `check`'s first defined answer on the client's snapshot, or rejects after 5 s. */
function snapshotUntil<T>(chat: ChatClient, check: (snapshot: ChatSnapshot) => T | undefined): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("snapshot never matched")), 5000);
    const test = () => {
      const value = check(chat.getSnapshot());
      if (value === undefined) return;
      clearTimeout(timer);
      off();
      resolve(value);
    };
    const off = chat.subscribe(test);
    test();
  });
}

function profilesApp() {
  const chat = createApp();
  chat.headerAuth((headers) => (typeof headers["x-user"] === "string" ? { identifier: headers["x-user"] } : undefined));
  chat.setChatProfiles((user: User | undefined) => [
    { name: "fast", description: "**Quick** answers", icon: "/fast.svg" },
    {
      name: "deep",
      default: true,
      starters: [{ label: "Plan a trip", message: "Plan a trip to Oslo", category: "travel" }],
    },
    ...(user?.identifier === "admin" ? [{ name: "debug" }] : []),
  ]);
  chat.setStarters((user, profile) => [{ label: "Hello", message: `hi from ${user?.identifier} on ${profile}` }]);
  chat.onChatStart(async (ctx) => {
    await ctx.send(`profile ${ctx.chatProfile}`);
  });
  chat.onMessage(async (ctx, message) => {
    await ctx.send(`${ctx.chatProfile}: ${message.content}`);
  });
  return chat;
}

test("GET /chat-profiles lists the user's profiles, authenticated as the socket is", async (t) => {
  const server = await startGateway(t, { hooks: profilesApp().seal() });
  const ada = await server.inject({ method: "GET", url: "/chat-profiles", headers: { "x-user": "ada" } });
  assert.equal(ada.statusCode, 200);
  assert.deepEqual(
    ada.json().profiles.map((profile: { name: string }) => profile.name),
    ["fast", "deep"],
  );
  const admin = await server.inject({ method: "GET", url: "/chat-profiles", headers: { "x-user": "admin" } });
  assert.deepEqual(
    admin.json().profiles.map((profile: { name: string }) => profile.name),
    ["fast", "deep", "debug"],
  );
  const anonymous = await server.inject({ method: "GET", url: "/chat-profiles" });
  assert.equal(anonymous.statusCode, 401);
  assert.equal(anonymous.json().code, "UNAUTHENTICATED");
});

test("a hello without a profile gets the default one, with its own starters before onChatStart", async (t) => {
  const server = await startGateway(t, { hooks: profilesApp().seal() });
  const client = await connectClient(server, { headers: { "x-user": "ada" } });
  t.after(() => client.close());
  assert.equal(client.welcome?.chatProfile, "deep");
  const starters = await client.until("starters");
  assert.deepEqual(starters.starters, [{ label: "Plan a trip", message: "Plan a trip to Oslo", category: "travel" }]);
  assert.equal((await client.until("message_new")).message.content, "profile deep");
  assert.ok(
    client.received.findIndex((frame) => frame.type === "starters") <
      client.received.findIndex((frame) => frame.type === "task_start"),
  );
});

test("a chosen profile without starters of its own gets setStarters' for the user and profile", async (t) => {
  const server = await startGateway(t, { hooks: profilesApp().seal() });
  const client = await connectClient(server, { headers: { "x-user": "ada" }, chatProfile: "fast" });
  t.after(() => client.close());
  assert.equal(client.welcome?.chatProfile, "fast");
  assert.equal((await client.until("starters")).starters[0]?.message, "hi from ada on fast");
  client.send({ type: "user_message", id: "m1", content: "hi from ada on fast" });
  assert.equal((await client.until("message_new")).message.content, "profile fast");
  assert.equal((await client.until("message_new")).message.content, "fast: hi from ada on fast");
});

test("an unknown profile, or one the user is not offered, is refused with UNKNOWN_PROFILE and close 4404", async (t) => {
  const server = await startGateway(t, { hooks: profilesApp().seal() });
  for (const chatProfile of ["nope", "debug"]) {
    const client = await connectClient(server, { headers: { "x-user": "ada" }, hello: false });
    client.send({ type: "hello", protocol: 1, chatProfile });
    const error = await client.until("error");
    assert.equal(error.code, "UNKNOWN_PROFILE");
    assert.equal(error.seq, 0);
    assert.equal(await client.closed, 4404);
  }
  const admin = await connectClient(server, { headers: { "x-user": "admin" }, chatProfile: "debug" });
  assert.equal(admin.welcome?.chatProfile, "debug");
  await admin.close();
});

test("without setChatProfiles a hello's profile is taken as it is, and no starters are sent", async (t) => {
  const chat = createApp();
  chat.onChatStart(async (ctx) => {
    await ctx.send(`profile ${ctx.chatProfile}`);
  });
  const server = await startGateway(t, { hooks: chat.seal() });
  const client = await connectClient(server, { chatProfile: "anything" });
  t.after(() => client.close());
  assert.equal((await client.until("message_new")).message.content, "profile anything");
  assert.equal(
    client.received.some((frame) => frame.type === "starters"),
    false,
  );
  assert.equal((await server.inject({ method: "GET", url: "/chat-profiles" })).statusCode, 404);
});

test("a reopened thread keeps its profile and shows no starters (SQLite)", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "chatwire-profiles-"));
  const layer = createSqliteLayer({ path: join(dir, "chatwire.db") });
  await layer.migrate();
  t.after(async () => {
    await layer.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const chat = profilesApp();
  chat.onChatResume(async (ctx) => {
    await ctx.send(`resumed ${ctx.chatProfile}`);
  });
  const server = await startGateway(t, { hooks: chat.seal(), data: layer });
  const headers = { "x-user": "ada" };
  const first = await connectClient(server, { headers, chatProfile: "fast" });
  first.send({ type: "user_message", id: "m1", content: "remember me" });
  await first.until("task_end");
  await first.until("task_end");
  await first.close();
  const second = await connectClient(server, { headers, hello: false });
  t.after(() => second.close());
  second.send({ type: "hello", protocol: 1, thread: { id: first.welcome?.threadId ?? "" } });
  const welcome = await second.until("welcome");
  assert.equal(welcome.chatProfile, "fast");
  assert.equal((await second.until("message_new")).message.content, "resumed fast");
  assert.equal(
    second.received.some((frame) => frame.type === "starters"),
    false,
  );
});

test("chatwire/client lists profiles, shows starters and switches profile in a new conversation", async (t) => {
  const server = await startGateway(t, { hooks: profilesApp().seal() });
  const chat = connect(wsUrl(server), { headers: { "x-user": "ada" } });
  t.after(() => chat.close());
  const { profiles } = await chat.chatProfiles();
  assert.deepEqual(
    profiles.map((profile) => profile.name),
    ["fast", "deep"],
  );
  const starters = await snapshotUntil(chat, (snapshot) =>
    snapshot.starters.length > 0 ? snapshot.starters : undefined,
  );
  assert.equal(starters[0]?.message, "Plan a trip to Oslo");
  chat.switchProfile("fast");
  const switched = await snapshotUntil(chat, (snapshot) =>
    snapshot.session?.chatProfile === "fast" ? snapshot.starters[0]?.message : undefined,
  );
  assert.equal(switched, "hi from ada on fast");
  chat.switchProfile("nope");
  const refused = await snapshotUntil(chat, (snapshot) => (snapshot.status === "closed" ? snapshot : undefined));
  assert.equal(refused.errors.at(-1)?.code, "UNKNOWN_PROFILE");
});
