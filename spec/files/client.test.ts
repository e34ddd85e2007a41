// chatwire/client with files, over a real server: upload with the session's ticket, send with files, answer a file
// ask; refusals come back with the server's code.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createApp } from "chatwire";
import type { ChatwireClientError } from "../../lib/client/index.ts";
import { client, startChat, until } from "../client/support.ts";
import { PNG } from "./support.ts";

test("upload, send with files, answer a file ask; an oversized upload is FILE_TOO_LARGE", async (t) => {
  const chat = createApp();
  chat.onMessage(async (ctx, message) => {
    const [picture] = await ctx.askFile({ content: "And a picture?", accept: ["image/*"] });
    await ctx.send(`${message.files.map((f) => `${f.name}=${f.size}`).join(",")} + ${picture?.name} ${picture?.mime}`);
  });
  const { url } = await startChat(t, chat.seal(), { maxUploadBytes: 1000 });
  const chatClient = client(t, url);
  await until(chatClient, (s) => s.session, "a session");
  const note = await chatClient.upload(new Blob(["hello"], { type: "text/plain" }), "note.txt");
  assert.equal(note.mime, "text/plain");
  await assert.rejects(chatClient.upload(new Blob([new Uint8Array(5000)]), "big.bin"), (error) => {
    const { code, status } = error as ChatwireClientError;
    return code === "FILE_TOO_LARGE" && status === 413;
  });
  chatClient.send("see attached", { files: [note.id] });
  const ask = await until(chatClient, (s) => s.asks.find((a) => a.kind === "file"), "a file ask");
  assert.deepEqual(ask.files?.accept, ["image/*"]);
  const picture = await chatClient.upload(new Blob([PNG]), "cat.png");
  chatClient.answerAsk(ask.askId, { files: [picture.id] });
  const reply = await until(chatClient, (s) => s.messages.find((m) => m.content.startsWith("note.txt")), "the answer");
  assert.equal(reply.content, "note.txt=5 + cat.png image/png");
});
