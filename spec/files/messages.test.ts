// A user message's files, on SQLite and PostgreSQL: uploaded over HTTP, named by id in the frame, handed to onMessage
// as ChatFiles, stored with the thread, gone with it; another session's upload is UNKNOWN_FILE.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type ChatFile, createApp, type DataLayer } from "chatwire";
import { connectClient } from "chatwire/testing";
import { startGateway } from "../support/gateway.ts";
import { onS3Layers, onSqlLayers } from "../support/layers.ts";
import { httpBase, PNG, upload } from "./support.ts";

function messageFiles(layer: () => DataLayer): void {
  test("files named in a user_message reach onMessage typed, are stored with the thread and go with it", async (t) => {
    const seen: ChatFile[] = [];
    const chat = createApp();
    chat.onMessage(async (ctx, message) => {
      seen.push(...message.files);
      const texts = await Promise.all(message.files.map(async (f) => `${f.name}:${f.mime}:${f.size}`));
      const first = message.files.find((f) => f.mime === "text/plain");
      await ctx.send(`${texts.join(",")} ${first === undefined ? "" : await first.text()}`);
    });
    const server = await startGateway(t, { hooks: chat.seal(), data: layer() });
    const base = httpBase(server);
    const client = await connectClient(server);
    t.after(() => client.close());
    const ticket = client.welcome?.uploadToken ?? "";
    const note = await upload(base, ticket, "note.txt", "text/plain", Buffer.from("hello file"));
    const image = await upload(base, ticket, "cat.png", "image/png", PNG);
    client.send({ type: "user_message", id: "m1", content: "look", files: [note.body.id ?? "", image.body.id ?? ""] });
    const reply = await client.until("message_new");
    assert.equal(reply.message.content, `note.txt:text/plain:10,cat.png:image/png:${PNG.length} hello file`);
    const [, png] = seen;
    assert.ok(png !== undefined && Buffer.from(await png.bytes()).equals(PNG));
    const fetched = await fetch(`${base}${png.url}`);
    assert.ok(Buffer.from(await fetched.arrayBuffer()).equals(PNG));

    await client.until("task_end");
    const threadId = client.welcome?.threadId ?? "";
    const files = layer().files;
    await waitFor(async () => (await layer().loadThread(threadId))?.elements.length === 2);
    const thread = await layer().loadThread(threadId);
    const stored = thread?.steps.find((step) => step.kind === "message" && step.content === "look");
    assert.deepEqual(stored?.kind === "message" ? stored.elements?.map((e) => [e.id, e.name, e.mime]) : undefined, [
      [note.body.id, "note.txt", "text/plain"],
      [image.body.id, "cat.png", "image/png"],
    ]);
    assert.equal((await files?.get(note.body.id ?? ""))?.threadId, threadId, "claimed by the thread");
    await layer().deleteThread(threadId);
    assert.equal(await files?.get(note.body.id ?? ""), undefined, "deleting the thread deleted its files");
  });

  test("another session's upload, or an id never uploaded, is UNKNOWN_FILE and onMessage does not run", async (t) => {
    let calls = 0;
    const chat = createApp();
    chat.onMessage(() => {
      calls++;
    });
    const server = await startGateway(t, { hooks: chat.seal(), data: layer() });
    const base = httpBase(server);
    const owner = await connectClient(server);
    const thief = await connectClient(server);
    t.after(() => Promise.all([owner.close(), thief.close()]));
    const mine = await upload(base, owner.welcome?.uploadToken, "secret.txt", "text/plain", Buffer.from("s3cret"));
    thief.send({ type: "user_message", id: "steal", content: "x", files: [mine.body.id ?? ""] });
    const refused = await thief.until("error");
    assert.equal(refused.code, "UNKNOWN_FILE");
    assert.equal(refused.replyTo, "steal");
    thief.send({ type: "user_message", id: "guess", content: "x", files: ["no-such-file"] });
    assert.equal((await thief.until("error")).code, "UNKNOWN_FILE");
    assert.equal(calls, 0);
  });
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

onSqlLayers("files with messages", messageFiles);
onS3Layers("files with messages", messageFiles);

test("without persistence, a conversation's files go when its session ends", async (t) => {
  const chat = createApp();
  chat.onMessage(async (ctx) => {
    await ctx.send({ content: "echo", elements: [{ name: "e.txt", content: "element bytes" }] });
  });
  const server = await startGateway(t, { hooks: chat.seal() });
  const base = httpBase(server);
  const client = await connectClient(server);
  const sent = await upload(base, client.welcome?.uploadToken, "a.txt", "text/plain", Buffer.from("upload"));
  client.send({ type: "user_message", id: "m1", content: "x", files: [sent.body.id ?? ""] });
  const reply = await client.until("message_new");
  await client.until("task_end");
  const elementUrl = reply.message.elements?.[0]?.url ?? "";
  assert.equal((await fetch(`${base}${sent.body.url}`)).status, 200);
  assert.equal(await (await fetch(`${base}${elementUrl}`)).text(), "element bytes");
  await client.close();
  await waitFor(async () => (await fetch(`${base}${sent.body.url}`)).status === 404);
  assert.equal((await fetch(`${base}${elementUrl}`)).status, 404);
});
