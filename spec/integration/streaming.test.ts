// Streaming parity over real sockets: a replacing token on the wire and as the stored content (SQLite and
// PostgreSQL), a step's streamed output and input stored with the step, a resume in the middle of a step's stream
// (every token exactly once), and app-chosen ids refused when the thread has them already.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import { createApp, createSqliteLayer, type DataLayer } from "chatwire";
import type { ServerFrame } from "chatwire/protocol";
import { connectClient, type TestClient } from "chatwire/testing";
import { createPostgresLayer } from "../../lib/data/postgres.ts";
import { eventually, startGateway } from "../support/gateway.ts";
import { startPostgres } from "../support/postgres.ts";

const headers = { "x-user": "ada" };

/** An app that streams a draft, replaces it, and runs a step that streams its input and output. */
function replacingApp() {
  const chat = createApp();
  chat.headerAuth((h) => (typeof h["x-user"] === "string" ? { identifier: h["x-user"] } : undefined));
  chat.onMessage(async (ctx) => {
    await ctx.step({ id: "lookup-1", name: "lookup", type: "tool" }, async (step) => {
      await step.streamToken("city=", { input: true });
      await step.streamToken("Oslo", { input: true });
      await step.streamToken("searching");
      await step.streamToken("found 3", { replace: true });
    });
    const reply = await ctx.stream({ id: "answer-1" });
    await reply.streamToken("Let me think");
    await reply.streamToken("...");
    await reply.streamToken("Oslo has", { replace: true });
    await reply.streamToken(" 3 results");
    await reply.endStream();
  });
  chat.onChatResume(async (ctx) => {
    await ctx.send({ id: "answer-1", content: "a second answer-1" }); // the stored thread has it: refused
  });
  return chat;
}

/** Runs one turn of replacingApp on `layer`, checks the wire, the stored thread, and a reopen's refusal. */
async function replaceAndStore(t: TestContext, layer: DataLayer): Promise<void> {
  await layer.migrate();
  const server = await startGateway(t, { hooks: replacingApp().seal(), data: layer });
  const client = await connectClient(server, { headers });
  client.send({ type: "user_message", id: "m1", content: "Oslo?" });
  const end = await client.until("stream_end", 10_000);
  await client.until("task_end", 10_000);
  const tokens = client.received.flatMap((f) => (f.type === "stream_token" ? [[f.token, f.replace]] : []));
  assert.deepEqual(tokens, [
    ["Let me think", undefined],
    ["...", undefined],
    ["Oslo has", true],
    [" 3 results", undefined],
  ]);
  assert.equal(end.content, "Oslo has 3 results");
  const stepTokens = client.received.flatMap((f) => (f.type === "step_token" ? [[f.token, f.input, f.replace]] : []));
  assert.deepEqual(stepTokens, [
    ["city=", true, undefined],
    ["Oslo", true, undefined],
    ["searching", undefined, undefined],
    ["found 3", undefined, true],
  ]);
  await client.close();

  const threadId = client.welcome?.threadId ?? "";
  const thread = await layer.loadThread(threadId);
  const stored = thread?.steps.map((s) => (s.kind === "message" ? [s.id, s.content] : [s.id, s.input, s.output]));
  assert.deepEqual(stored?.slice(1), [
    ["lookup-1", "city=Oslo", "found 3"],
    ["answer-1", "Oslo has 3 results"],
  ]);

  const reopened = await connectClient(server, { headers, hello: false });
  t.after(() => reopened.close());
  reopened.send({ type: "hello", protocol: 1, thread: { id: threadId } });
  const refused = await reopened.until("error", 10_000);
  assert.equal(refused.code, "DUPLICATE_ID");
  const again = await layer.loadThread(threadId);
  const kept = again?.steps.find((s) => s.id === "answer-1");
  assert.equal(kept?.kind === "message" && kept.content, "Oslo has 3 results", "not overwritten");
}

test("a replacing token goes out as replace and is stored as the final content (SQLite)", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "chatwire-stream-"));
  const layer = createSqliteLayer({ path: join(dir, "chatwire.db") });
  t.after(async () => {
    await layer.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await replaceAndStore(t, layer);
});

test("a replacing token and a streamed step are stored the same way in PostgreSQL", { timeout: 90_000 }, async (t) => {
  const postgres = await startPostgres();
  t.after(() => postgres.stop());
  const layer = createPostgresLayer({ connectionString: postgres.url });
  t.after(() => layer.close());
  await replaceAndStore(t, layer);
});

const resumeOf = (client: TestClient & { welcome?: { sessionId: string; resumeToken: string } }) => ({
  sessionId: client.welcome?.sessionId ?? "",
  resumeToken: client.welcome?.resumeToken ?? "",
  lastSeq: client.lastSeq,
});
const stepTokensOf = (frames: ServerFrame[]) => frames.flatMap((f) => (f.type === "step_token" ? [f.token] : []));

test("a connection dropped mid-way through a step's stream resumes with every token once, in order", async (t) => {
  const chat = createApp();
  chat.onMessage(async (ctx) => {
    await ctx.step({ name: "generate", type: "llm" }, async (step) => {
      for (let i = 1; i <= 5000; i++) {
        await step.streamToken(`${i} `);
        if (i % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
    });
  });
  const server = await startGateway(t, { hooks: chat.seal() });
  const first = await connectClient(server);
  first.send({ type: "user_message", id: "m", content: "go" });
  await eventually(() => stepTokensOf(first.received).length >= 500, 5000);
  await first.drop();
  const before = first.received.filter((f) => f.type !== "welcome");

  const second = await connectClient(server, { resume: resumeOf(first) });
  t.after(() => second.close());
  assert.equal(second.welcome?.resumed, true);
  await second.until("task_end", 10_000);
  const after = second.received.filter((f) => f.type !== "welcome");
  const seqs = [...before, ...after].map((f) => f.seq);
  assert.deepEqual(
    seqs,
    seqs.map((_, i) => i + 1),
    "every seq exactly once, in order",
  );
  const expected = Array.from({ length: 5000 }, (_, i) => `${i + 1} `).join("");
  assert.equal([...stepTokensOf(before), ...stepTokensOf(after)].join(""), expected);
  const ended = after.findLast((f) => f.type === "step");
  assert.equal(ended?.type === "step" && ended.step.output, expected, "the step's end carries the whole output");
});

test("a duplicate app-chosen id in a turn is a DUPLICATE_ID error frame; a bad one is BAD_ID", async (t) => {
  const chat = createApp();
  chat.onMessage(async (ctx, message) => {
    if (message.content === "bad") {
      await ctx.send({ id: "no spaces please", content: "x" });
      return;
    }
    await ctx.send({ id: "greeting", content: "hello" });
  });
  const server = await startGateway(t, { hooks: chat.seal() });
  const client = await connectClient(server);
  t.after(() => client.close());
  client.send({ type: "user_message", id: "u1", content: "one" });
  await client.until("task_end");
  client.send({ type: "user_message", id: "u2", content: "two" });
  const duplicate = await client.until("error");
  assert.equal(duplicate.code, "DUPLICATE_ID");
  await client.until("task_end");
  client.send({ type: "user_message", id: "u3", content: "bad" });
  const bad = await client.until("error");
  assert.equal(bad.code, "BAD_ID");
  const greetings = client.received.filter((f) => f.type === "message_new" && f.message.id === "greeting");
  assert.equal(greetings.length, 1, "the second send never went out");
});
