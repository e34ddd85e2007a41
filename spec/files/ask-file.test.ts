// ctx.askFile over a real socket and real uploads: the ask frame says what to send, the reply names uploads, the
// handler gets ChatFiles; a refused type or size keeps the ask open; the timeout rejects with ASK_TIMEOUT.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type ChatFile, createApp, createMemoryLayer, isChatwireError } from "chatwire";
import { connectClient } from "chatwire/testing";
import { startGateway } from "../support/gateway.ts";
import { httpBase, PNG, upload } from "./support.ts";

test("askFile: the ask carries its rules, a refused file keeps it open, an accepted one answers it", async (t) => {
  const chat = createApp();
  chat.onChatStart(async (ctx) => {
    const files: readonly ChatFile[] = await ctx.askFile({
      content: "Your picture?",
      accept: ["image/*"],
      maxSizeBytes: 1000,
      maxFiles: 1,
    });
    await ctx.send(files.map((f) => `${f.name} ${f.mime} ${f.size}`).join(";"));
  });
  const server = await startGateway(t, { hooks: chat.seal(), data: createMemoryLayer() });
  const base = httpBase(server);
  const client = await connectClient(server);
  t.after(() => client.close());
  const ask = await client.until("ask");
  assert.equal(ask.kind, "file");
  assert.deepEqual(ask.files, { accept: ["image/*"], maxSizeBytes: 1000, maxFiles: 1 });
  const ticket = client.welcome?.uploadToken;

  const text = await upload(base, ticket, "a.txt", "text/plain", Buffer.from("not a picture"));
  client.send({ type: "ask_reply", askId: ask.askId, files: [text.body.id ?? ""] });
  const refused = await client.until("error");
  assert.equal(refused.code, "FILE_REFUSED");
  assert.equal(refused.replyTo, ask.askId);

  const big = await upload(base, ticket, "big.png", "image/png", Buffer.concat([PNG, Buffer.alloc(2000)]));
  client.send({ type: "ask_reply", askId: ask.askId, files: [big.body.id ?? ""] });
  assert.equal((await client.until("error")).code, "FILE_TOO_LARGE");

  const image = await upload(base, ticket, "cat.png", "image/png", PNG);
  client.send({ type: "ask_reply", askId: ask.askId, files: [image.body.id ?? "", text.body.id ?? ""] });
  assert.equal((await client.until("error")).code, "FILE_REFUSED", "more files than maxFiles");
  client.send({ type: "ask_reply", askId: ask.askId, files: [image.body.id ?? ""] });
  assert.equal((await client.until("ask_end")).outcome, "answered");
  assert.equal((await client.until("message_new")).message.content, `cat.png image/png ${PNG.length}`);
});

test("askFile: no answer in time is ASK_TIMEOUT; a text reply to a file ask is BAD_FRAME", async (t) => {
  let outcome = "";
  const chat = createApp();
  chat.onChatStart(async (ctx) => {
    try {
      await ctx.askFile({ content: "A file?", timeoutMs: 300 });
    } catch (error) {
      outcome = isChatwireError(error, "ASK_TIMEOUT") ? "timeout" : String(error);
    }
  });
  const server = await startGateway(t, { hooks: chat.seal() });
  const client = await connectClient(server);
  t.after(() => client.close());
  const ask = await client.until("ask");
  assert.equal(ask.files?.maxFiles, 1);
  assert.deepEqual(ask.files?.accept, ["*/*"]);
  client.send({ type: "ask_reply", askId: ask.askId, content: "here" });
  assert.equal((await client.until("error")).code, "BAD_FRAME");
  assert.equal((await client.until("ask_end")).outcome, "timeout");
  await client.until("task_end");
  assert.equal(outcome, "timeout");
});
