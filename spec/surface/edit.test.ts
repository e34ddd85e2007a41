// Editing a message (Chainlit's edit_message): later messages are removed live and in the store, onMessage runs
// again with the new content; an unknown message is UNKNOWN_MESSAGE; editMessages: false refuses edits.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { createApp, createSqliteLayer } from "chatwire";
import { connect } from "chatwire/client";
import { connectClient, wsUrl } from "chatwire/testing";
import { startGateway } from "../support/gateway.ts";

function echoApp() {
  const chat = createApp();
  chat.headerAuth(() => ({ identifier: "ada" }));
  chat.onMessage(async (ctx, message) => {
    await ctx.step({ name: "think" }, () => "thought");
    await ctx.send(`echo ${message.content} (${ctx.history().length} so far)`);
  });
  return chat;
}

test("an edit removes what came after the message, live and stored, and onMessage runs again", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "chatwire-edit-"));
  const layer = createSqliteLayer({ path: join(dir, "chatwire.db") });
  await layer.migrate();
  t.after(async () => {
    await layer.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const server = await startGateway(t, { hooks: echoApp().seal(), data: layer });
  const client = await connectClient(server);
  client.send({ type: "user_message", id: "m1", content: "one" });
  const firstReply = await client.until("message_new");
  await client.until("task_end");
  client.send({ type: "user_message", id: "m2", content: "two" });
  const secondReply = await client.until("message_new");
  assert.equal(secondReply.message.content, "echo two (3 so far)");
  await client.until("task_end");

  client.send({ type: "edit_message", id: "e1", messageId: "m1", content: "uno" });
  const deleted: string[] = [];
  for (;;) {
    const frame = await client.next();
    if (frame.type === "message_delete") deleted.push(frame.id);
    if (frame.type === "message_new") {
      assert.equal(frame.message.content, "echo uno (1 so far)", "history holds the edited message only");
      break;
    }
  }
  assert.ok(deleted.includes(firstReply.message.id));
  assert.ok(deleted.includes(secondReply.message.id));
  assert.equal(deleted.length, 5, "the step and reply of m1, then m2, its step and its reply");
  await client.until("task_end");
  await client.close();

  const stored = await layer.loadThread(client.welcome?.threadId ?? "");
  const messages = stored?.steps.filter((step) => step.kind === "message").map((step) => step.content);
  assert.deepEqual(messages, ["uno", "echo uno (1 so far)"]);
});

test("editing a message that is not the user's own is UNKNOWN_MESSAGE; editMessages: false is EDITS_DISABLED", async (t) => {
  const server = await startGateway(t, { hooks: echoApp().seal() });
  const client = await connectClient(server);
  t.after(() => client.close());
  client.send({ type: "user_message", id: "m1", content: "one" });
  const reply = await client.until("message_new");
  client.send({ type: "edit_message", id: "e1", messageId: reply.message.id, content: "x" });
  const error = await client.until("error");
  assert.equal(error.code, "UNKNOWN_MESSAGE");
  assert.equal(error.replyTo, "e1");
  client.send({ type: "edit_message", id: "e2", messageId: "nope", content: "x" });
  assert.equal((await client.until("error")).code, "UNKNOWN_MESSAGE");

  const closed = await startGateway(t, { hooks: echoApp().seal(), editMessages: false });
  const other = await connectClient(closed);
  t.after(() => other.close());
  other.send({ type: "user_message", id: "m1", content: "one" });
  await other.until("task_end");
  other.send({ type: "edit_message", id: "e1", messageId: "m1", content: "x" });
  assert.equal((await other.until("error")).code, "EDITS_DISABLED");
});

test("chatwire/client edits a message: the log keeps it with its new text and drops what followed", async (t) => {
  const server = await startGateway(t, { hooks: echoApp().seal() });
  const chat = connect(wsUrl(server));
  t.after(() => chat.close());
  const replies = (n: number) =>
    new Promise<string[]>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`never ${n} replies`)), 5000);
      const check = () => {
        const snapshot = chat.getSnapshot();
        const texts = snapshot.messages.map((message) => message.content);
        if (snapshot.busy || !texts.at(-1)?.startsWith("echo") || texts.length !== n) return;
        clearTimeout(timer);
        off();
        resolve(texts);
      };
      const off = chat.subscribe(check);
      check();
    });
  const first = chat.send("one");
  await replies(2);
  chat.send("two");
  await replies(4);
  chat.editMessage(first, "uno");
  assert.deepEqual(await replies(2), ["uno", "echo uno (1 so far)"]);
});
