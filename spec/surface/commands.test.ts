// Commands end to end: declared for the app or per session, sent as a `commands` frame, named by a user message
// (`message.command`), an undeclared one refused with UNKNOWN_COMMAND; and through chatwire/testing's fake context.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createApp, isChatwireError } from "chatwire";
import { connect } from "chatwire/client";
import { connectClient, createFakeContext, wsUrl } from "chatwire/testing";
import { startGateway } from "../support/gateway.ts";

function commandsApp() {
  const chat = createApp();
  chat.setCommands([
    { id: "search", description: "Search the web", icon: "globe", button: true },
    { id: "draw", description: "Draw a picture" },
  ]);
  chat.onMessage(async (ctx, message) => {
    if (message.command === "search") {
      await ctx.setCommands([{ id: "more", description: "More results", persistent: true }]);
    }
    await ctx.send(`${message.command ?? "none"}: ${message.content}`);
  });
  return chat;
}

test("the app's commands are sent at the start and a message carries the command it was sent with", async (t) => {
  const server = await startGateway(t, { hooks: commandsApp().seal() });
  const client = await connectClient(server);
  t.after(() => client.close());
  const offered = await client.until("commands");
  assert.deepEqual(
    offered.commands.map((command) => command.id),
    ["search", "draw"],
  );
  assert.equal(offered.commands[0]?.button, true);
  client.send({ type: "user_message", id: "m1", content: "cats", command: "draw" });
  assert.equal((await client.until("message_new")).message.content, "draw: cats");
  client.send({ type: "user_message", id: "m2", content: "plain" });
  assert.equal((await client.until("message_new")).message.content, "none: plain");
});

test("ctx.setCommands replaces the list; a command no longer offered is refused with UNKNOWN_COMMAND", async (t) => {
  const server = await startGateway(t, { hooks: commandsApp().seal() });
  const client = await connectClient(server);
  t.after(() => client.close());
  await client.until("commands");
  client.send({ type: "user_message", id: "m1", content: "cats", command: "search" });
  assert.deepEqual(
    (await client.until("commands")).commands.map((command) => command.id),
    ["more"],
  );
  assert.equal((await client.until("message_new")).message.content, "search: cats");
  await client.until("task_end");
  client.send({ type: "user_message", id: "m2", content: "again", command: "search" });
  const error = await client.until("error");
  assert.equal(error.code, "UNKNOWN_COMMAND");
  assert.equal(error.replyTo, "m2");
  client.send({ type: "user_message", id: "m3", content: "next", command: "more" });
  assert.equal((await client.until("message_new")).message.content, "more: next");
  assert.equal(
    client.received.filter((frame) => frame.type === "task_start").length,
    2,
    "the refused message ran no task",
  );
});

test("without declared commands, any command is UNKNOWN_COMMAND", async (t) => {
  const chat = createApp();
  chat.onMessage(async (ctx) => {
    await ctx.send("ran");
  });
  const server = await startGateway(t, { hooks: chat.seal() });
  const client = await connectClient(server);
  t.after(() => client.close());
  client.send({ type: "user_message", id: "m1", content: "x", command: "search" });
  assert.equal((await client.until("error")).code, "UNKNOWN_COMMAND");
});

test("commands the protocol cannot carry, or with a repeated id, throw INVALID_HOOK where they are declared", async () => {
  const chat = createApp();
  assert.throws(
    () => chat.setCommands([{ id: "", description: "empty id" }]),
    (error) => isChatwireError(error, "INVALID_HOOK"),
  );
  assert.throws(
    () =>
      chat.setCommands([
        { id: "a", description: "one" },
        { id: "a", description: "two" },
      ]),
    (error) => isChatwireError(error, "INVALID_HOOK"),
  );
  const ctx = createFakeContext();
  await assert.rejects(ctx.setCommands([{ id: "x".repeat(65), description: "too long" }]), (error) =>
    isChatwireError(error, "INVALID_HOOK"),
  );
});

test("a fake context records the commands a handler offers", async () => {
  const ctx = createFakeContext();
  await ctx.setCommands([{ id: "search", description: "Search", button: true }]);
  assert.deepEqual(ctx.sentOf("commands")[0]?.commands, [{ id: "search", description: "Search", button: true }]);
});

test("chatwire/client shows the commands and sends a message with one", async (t) => {
  const server = await startGateway(t, { hooks: commandsApp().seal() });
  const chat = connect(wsUrl(server));
  t.after(() => chat.close());
  const replied = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no reply")), 5000);
    const off = chat.subscribe(() => {
      const snapshot = chat.getSnapshot();
      const [first] = snapshot.commands;
      if (first !== undefined && snapshot.messages.length === 0) chat.send("cats", { command: first.id });
      const reply = snapshot.messages.find((message) => message.role === "assistant");
      if (reply === undefined) return;
      clearTimeout(timer);
      off();
      resolve(reply.content);
    });
  });
  assert.equal(await replied, "search: cats");
});
