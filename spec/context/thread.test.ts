// ctx.thread: the app names, tags and annotates its stored conversation; elements go with the messages they belong to.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import { createApp } from "chatwire";
import { connectClient } from "chatwire/testing";
import { type ChatContext, createContext } from "../../lib/context/context.ts";
import type { ContextInit } from "../../lib/context/init.ts";
import { createStateStore } from "../../lib/context/state.ts";
import type { DataLayer } from "../../lib/data/layer.ts";
import { createRecorder, type Recorder } from "../../lib/data/recorder.ts";
import { createSqliteLayer } from "../../lib/data/sqlite.ts";
import { createRecordingLogger } from "../../lib/logger.ts";
import { ActionBook } from "../../lib/session/actions.ts";
import { AskBook } from "../../lib/session/asks.ts";
import { CommandBook } from "../../lib/session/chat-commands.ts";
import { ModeBook } from "../../lib/session/modes.ts";
import { SettingsBook } from "../../lib/session/settings.ts";
import { ThreadLink } from "../../lib/session/thread-link.ts";
import { UsageBook } from "../../lib/session/usage.ts";
import { createFakeContext } from "../../lib/testing/index.ts";
import { startGateway } from "../support/gateway.ts";

test("the fake context records every thread change and the state they leave", async () => {
  const ctx = createFakeContext();
  await ctx.thread.rename("  Trip to Oslo  ");
  await ctx.thread.setTags(["travel", "travel", "norway"]);
  await ctx.thread.setMetadata({ budget: 1200 });
  await ctx.thread.rename("Trip to Bergen");
  assert.equal(ctx.thread.id, "thread1");
  assert.deepEqual(ctx.threadChanges, [
    { name: "Trip to Oslo" },
    { tags: ["travel", "norway"] },
    { metadata: { budget: 1200 } },
    { name: "Trip to Bergen" },
  ]);
  assert.deepEqual(ctx.threadState(), {
    name: "Trip to Bergen",
    tags: ["travel", "norway"],
    metadata: { budget: 1200 },
  });
});

test("bad thread changes throw and record nothing", async () => {
  const ctx = createFakeContext();
  const cycle: Record<string, unknown> = {};
  cycle.self = cycle;
  await assert.rejects(ctx.thread.rename("   "), RangeError);
  await assert.rejects(ctx.thread.rename("x".repeat(201)), RangeError);
  await assert.rejects(ctx.thread.setTags(["ok", ""]), RangeError);
  await assert.rejects(ctx.thread.setTags(Array.from({ length: 65 }, (_, i) => `t${i}`)), RangeError);
  await assert.rejects(ctx.thread.setMetadata(cycle), TypeError);
  await assert.rejects(ctx.thread.setMetadata({ chatwireSession: {} }), RangeError);
  assert.deepEqual(ctx.threadChanges, []);
});

test("metadata is copied as JSON when it is set: later changes to the object are not stored", async () => {
  const ctx = createFakeContext();
  const metadata = { at: new Date("2026-01-01T00:00:00.000Z"), list: [1] };
  await ctx.thread.setMetadata(metadata);
  metadata.list.push(2);
  assert.deepEqual(ctx.threadState().metadata, { at: "2026-01-01T00:00:00.000Z", list: [1] });
});

test("a message's elements get ids and travel in the message view", async () => {
  const ctx = createFakeContext();
  const sent = await ctx.send({
    content: "Your report",
    elements: [{ name: "report.pdf", url: "/files/r.pdf", mime: "application/pdf", display: "page" }],
  });
  assert.deepEqual(sent.elements, [
    { id: "id2", name: "report.pdf", kind: "pdf", url: "/files/r.pdf", mime: "application/pdf", display: "page" },
  ]);
  const [frame] = ctx.sentOf("message_new");
  assert.deepEqual(frame?.message.elements, sent.elements);
  await assert.rejects(ctx.send({ content: "x", elements: [{ name: "a", url: "" }] }), RangeError);
});

/** A conversation on a real SQLite file: a context whose frames and thread changes go through a ThreadLink. */
async function storedConversation(t: TestContext) {
  const dir = mkdtempSync(join(tmpdir(), "chatwire-thread-"));
  const layer: DataLayer = createSqliteLayer({ path: join(dir, "chatwire.db") });
  await layer.migrate();
  const recorder: Recorder = createRecorder(layer);
  t.after(async () => {
    await recorder.close();
    await layer.close();
    rmSync(dir, { recursive: true, force: true });
  });
  let next = 0;
  const open = (link: ThreadLink): ChatContext => {
    const init: ContextInit<Record<string, unknown>> = {
      sessionId: "s1",
      threadId: link.threadId,
      state: createStateStore(),
      log: createRecordingLogger(),
      emit: (frame) => link.record(frame), // what Session.emit does with persistence on
      asks: new AskBook(),
      actions: new ActionBook(),
      settings: new SettingsBook(),
      commands: new CommandBook(),
      modes: new ModeBook(),
      history: () => [],
      usage: new UsageBook(undefined),
      newId: () => `id${++next}`,
      now: () => new Date("2026-01-01T00:00:00.000Z"),
      askTimeoutMs: 1000,
      thread: link,
    };
    return createContext(init, new AbortController().signal);
  };
  return { layer, recorder, open };
}

test("on SQLite: an explicit name wins over the first message's, tags and metadata are stored beside the store", async (t) => {
  const { layer, recorder, open } = await storedConversation(t);
  const log = createRecordingLogger();
  const link = new ThreadLink(recorder, "t1", { owner: { identifier: "ada" }, metadata: {} }, log, false);
  const ctx = open(link);
  // As onChatStart would: before the thread exists, nothing is written yet.
  await ctx.thread.rename("Trip planning");
  await ctx.thread.setTags(["travel"]);
  await ctx.thread.setMetadata({ plan: "gold" });
  await ctx.send({ content: "Hello", elements: [{ name: "map.png", url: "/m.png", mime: "image/png" }] });
  await link.flush();
  assert.equal(await layer.getThread("t1"), undefined, "the thread waits for its first user message");

  link.recordUserMessage({ id: "u1", content: "Oslo in May?", createdAt: "2026-01-01T00:00:01.000Z", author: "ada" });
  link.saveState({ turns: 1 });
  await link.flush();
  let thread = await layer.loadThread("t1");
  assert.equal(thread?.name, "Trip planning", "not 'Oslo in May?'");
  assert.deepEqual(thread?.tags, ["travel"]);
  assert.deepEqual(thread?.metadata, { plan: "gold", chatwireSession: { turns: 1 } });
  assert.deepEqual(
    thread?.elements.map((e) => [e.name, e.forId]),
    [["map.png", "id1"]],
  );

  // Once the thread exists, every change is written at once; the saved store is kept.
  await ctx.thread.rename("Oslo, May");
  await ctx.thread.setMetadata({ plan: "silver" });
  await link.flush();
  thread = await layer.loadThread("t1");
  assert.equal(thread?.name, "Oslo, May");
  assert.deepEqual(thread?.metadata, { plan: "silver", chatwireSession: { turns: 1 } });
});

test("on SQLite: a reopened thread keeps its store when the app sets metadata, and its name unless renamed", async (t) => {
  const { layer, recorder, open } = await storedConversation(t);
  const log = createRecordingLogger();
  recorder.ensureThread({ id: "t1", name: "Old name", metadata: { chatwireSession: { turns: 4 }, plan: "gold" } });
  await recorder.flush();
  const loaded = await layer.loadThread("t1");
  const link = new ThreadLink(recorder, "t1", { metadata: loaded?.metadata ?? {} }, log, true);
  const ctx = open(link);
  link.recordUserMessage({ id: "u2", content: "Back again", createdAt: "2026-01-01T00:00:02.000Z", author: "ada" });
  await ctx.thread.setMetadata({ plan: "free" });
  await link.flush();
  const thread = await layer.getThread("t1");
  assert.equal(thread?.name, "Old name");
  assert.deepEqual(thread?.metadata, { plan: "free", chatwireSession: { turns: 4 } });
});

test("through the gateway: ctx.thread changes are stored on the session's thread", async (t) => {
  const chat = createApp();
  chat.onChatStart(async (ctx) => {
    await ctx.thread.rename("Support ticket");
    await ctx.thread.setTags(["support"]);
  });
  chat.onMessage(async (ctx) => {
    await ctx.send("ok");
  });
  const dir = mkdtempSync(join(tmpdir(), "chatwire-thread-gw-"));
  const layer = createSqliteLayer({ path: join(dir, "chatwire.db") });
  await layer.migrate();
  t.after(async () => {
    await layer.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const server = await startGateway(t, { hooks: chat.seal(), data: layer });
  const client = await connectClient(server);
  await client.until("task_end");
  client.send({ type: "user_message", id: "m1", content: "my printer is on fire" });
  await client.until("task_end");
  const thread = await layer.getThread(client.welcome?.threadId ?? "");
  assert.equal(thread?.name, "Support ticket");
  assert.deepEqual(thread?.tags, ["support"]);
  await client.close();
});
