// Chat settings end to end: a typed form declared once, shown at the start, changed by the client (checked against
// the form: BAD_SETTINGS), read by handlers, and restored when the thread is reopened (SQLite and PostgreSQL).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, type TestContext, test } from "node:test";
import { createApp, createSqliteLayer, type DataLayer, defineSettings, isChatwireError } from "chatwire";
import { connectClient, createFakeContext } from "chatwire/testing";
import { createPostgresLayer } from "../../lib/data/postgres.ts";
import { startGateway } from "../support/gateway.ts";
import { startPostgres, type TestPostgres } from "../support/postgres.ts";

const form = defineSettings([
  { type: "select", id: "model", label: "Model", values: ["small", "large"], initial: "small" },
  { type: "switch", id: "stream", initial: true },
  { type: "slider", id: "temperature", min: 0, max: 2, step: 0.5, initial: 1 },
  { type: "text", id: "persona", maxLength: 20, tab: "Advanced" },
  { type: "number", id: "tokens", min: 1, max: 4096, initial: 256 },
  { type: "tags", id: "topics" },
  { type: "multiselect", id: "tools", values: ["search", "code"], initial: ["search"] },
] as const);

function settingsApp() {
  const chat = createApp();
  chat.chatSettings(form);
  const updates: unknown[] = [];
  chat.onSettingsUpdate(async (ctx, settings) => {
    updates.push(settings);
    await ctx.send(`now ${String(settings.model)}`);
  });
  chat.onMessage(async (ctx) => {
    const { model, temperature, stream } = form.read(ctx.settings);
    await ctx.send(`${model} ${temperature} ${stream}`);
  });
  return { chat, updates };
}

test("defineSettings types the values from the inputs and fills in initial values", () => {
  const { model, stream, temperature, persona, tokens, topics, tools } = form.initial;
  const typed: ["small" | "large", boolean, number, string, number, string[], ("search" | "code")[]] = [
    model,
    stream,
    temperature,
    persona,
    tokens,
    topics,
    tools,
  ];
  assert.deepEqual(typed, ["small", true, 1, "", 256, [], ["search"]]);
  // @ts-expect-error: no input has this id
  assert.equal(form.initial.nope, undefined);
});

test("a form that cannot be shown throws BAD_SETTINGS at declaration", () => {
  const bad = [
    () => defineSettings([{ type: "select", id: "a", values: ["x"], initial: "y" }]),
    () =>
      defineSettings([
        { type: "switch", id: "a" },
        { type: "switch", id: "a" },
      ]),
    () => defineSettings([{ type: "slider", id: "a", min: 2, max: 1 }]),
    () => defineSettings([{ type: "colour", id: "a" } as never]),
  ];
  for (const declare of bad) assert.throws(declare, (error) => isChatwireError(error, "BAD_SETTINGS"));
});

test("the form is shown at the start, an update is applied, sent back, and passed to onSettingsUpdate", async (t) => {
  const { chat, updates } = settingsApp();
  const server = await startGateway(t, { hooks: chat.seal() });
  const client = await connectClient(server);
  t.after(() => client.close());
  const shown = await client.until("chat_settings");
  assert.deepEqual(
    shown.inputs.map((input) => input.id),
    ["model", "stream", "temperature", "persona", "tokens", "topics", "tools"],
  );
  assert.deepEqual(shown.values, form.initial);
  client.send({ type: "settings_update", id: "s1", values: { model: "large", temperature: 1.5 } });
  const changed = await client.until("chat_settings");
  assert.equal(changed.values.model, "large");
  assert.equal(changed.values.temperature, 1.5);
  assert.equal(changed.values.stream, true, "the other values stay");
  assert.equal((await client.until("message_new")).message.content, "now large");
  assert.equal((updates[0] as { model: string }).model, "large");
  client.send({ type: "user_message", id: "m1", content: "hi" });
  assert.equal((await client.until("message_new")).message.content, "large 1.5 true");
});

test("a value the form refuses gets BAD_SETTINGS naming the field; nothing changes and the session goes on", async (t) => {
  const { chat, updates } = settingsApp();
  const server = await startGateway(t, { hooks: chat.seal() });
  const client = await connectClient(server);
  t.after(() => client.close());
  await client.until("chat_settings");
  const refused: [Record<string, unknown>, string][] = [
    [{ model: "huge" }, "/values/model"],
    [{ stream: "yes" }, "/values/stream"],
    [{ temperature: 0.7 }, "/values/temperature"],
    [{ temperature: 3 }, "/values/temperature"],
    [{ persona: "x".repeat(21) }, "/values/persona"],
    [{ tools: ["search", "rm"] }, "/values/tools"],
    [{ topics: [""] }, "/values/topics"],
    [{ unknown: 1 }, "/values/unknown"],
  ];
  for (const [values, field] of refused) {
    client.send({ type: "settings_update", id: "bad", values });
    const error = await client.until("error");
    assert.equal(error.code, "BAD_SETTINGS", JSON.stringify(values));
    assert.equal(error.field, field);
    assert.equal(error.replyTo, "bad");
  }
  assert.deepEqual(updates, []);
  client.send({ type: "user_message", id: "m1", content: "hi" });
  assert.equal((await client.until("message_new")).message.content, "small 1 true");
});

test("without a form, settings_update is refused with BAD_SETTINGS", async (t) => {
  const chat = createApp();
  const server = await startGateway(t, { hooks: chat.seal() });
  const client = await connectClient(server);
  t.after(() => client.close());
  client.send({ type: "settings_update", values: { model: "large" } });
  assert.equal((await client.until("error")).code, "BAD_SETTINGS");
});

test("ctx.setSettings shows a form for one session and resolves with its typed values", async (t) => {
  const chat = createApp();
  const mine = defineSettings([{ type: "select", id: "tone", values: ["dry", "warm"] }] as const);
  chat.onChatStart(async (ctx) => {
    const { tone } = await ctx.setSettings(mine);
    const narrowed: "dry" | "warm" = tone;
    await ctx.send(`tone ${narrowed}`);
  });
  const server = await startGateway(t, { hooks: chat.seal() });
  const client = await connectClient(server);
  t.after(() => client.close());
  const shown = await client.until("chat_settings");
  assert.deepEqual(shown.values, { tone: "dry" });
  assert.equal((await client.until("message_new")).message.content, "tone dry");
  client.send({ type: "settings_update", values: { tone: "warm" } });
  assert.deepEqual((await client.until("chat_settings")).values, { tone: "warm" });
});

test("a fake context carries settings for unit tests, and setSettings records the frame", async () => {
  const ctx = createFakeContext({ settings: { model: "large" } });
  assert.equal(form.read(ctx.settings).model, "large");
  assert.equal(form.read(ctx.settings).temperature, 1, "missing values read as initial ones");
  const values = await ctx.setSettings(form);
  assert.equal(values.model, "large", "the session's value is kept when it fits");
  assert.deepEqual(ctx.sentOf("chat_settings")[0]?.values, { ...form.initial, model: "large" });
});

/** Changes the settings, writes a message (so the thread is stored), closes, reopens: the values come back. */
async function survivesReopen(t: TestContext, layer: DataLayer) {
  const { chat } = settingsApp();
  chat.headerAuth(() => ({ identifier: "ada" }));
  const server = await startGateway(t, { hooks: chat.seal(), data: layer });
  const first = await connectClient(server);
  await first.until("chat_settings");
  first.send({ type: "user_message", id: "m1", content: "hi" });
  await first.until("task_end");
  first.send({ type: "settings_update", values: { model: "large", topics: ["maps"] } });
  await first.until("chat_settings");
  await first.close();
  const threadId = first.welcome?.threadId ?? "";
  const second = await connectClient(server, { hello: false });
  t.after(() => second.close());
  second.send({ type: "hello", protocol: 1, thread: { id: threadId } });
  const restored = await second.until("chat_settings");
  assert.equal(restored.values.model, "large");
  assert.deepEqual(restored.values.topics, ["maps"]);
  second.send({ type: "user_message", id: "m2", content: "again" });
  assert.equal((await second.until("message_new")).message.content, "large 1 true");
}

test("settings survive a reopened thread on SQLite", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "chatwire-settings-"));
  const layer = createSqliteLayer({ path: join(dir, "chatwire.db") });
  await layer.migrate();
  t.after(async () => {
    await layer.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await survivesReopen(t, layer);
});

let postgres: TestPostgres;
before(async () => {
  postgres = await startPostgres();
});
after(() => postgres?.stop());

test("settings survive a reopened thread on PostgreSQL", async (t) => {
  const layer = createPostgresLayer({ connectionString: postgres.url });
  await layer.migrate();
  t.after(() => layer.close());
  await survivesReopen(t, layer);
});
