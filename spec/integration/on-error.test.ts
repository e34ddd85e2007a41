// onError: the app is told of every handler failure (which hook, which error) and may send its own message; the
// client's HANDLER_FAILED frame with its fixed text stays as it was.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ChatwireError, createApp } from "chatwire";
import { connectClient } from "chatwire/testing";
import { eventually, startGateway } from "../support/gateway.ts";

test("onError gets (ctx, error, where) for a task and an event failure, and may send a message", async (t) => {
  const chat = createApp();
  const told: { where: string; message: string }[] = [];
  chat.onMessage(async (_ctx, message) => {
    if (message.content === "boom") throw new Error("secret detail");
    if (message.content === "typed") throw new ChatwireError("STORE_FULL", "too much state");
  });
  chat.onWindowMessage(() => {
    throw new Error("window failed");
  });
  chat.onError(async (ctx, error, where) => {
    told.push({ where, message: (error as Error).message });
    await ctx.send(`Sorry, ${where} went wrong.`);
  });
  const client = await connectClient(await startGateway(t, { hooks: chat.seal() }));

  client.send({ type: "user_message", id: "m1", content: "boom" });
  const error = await client.until("error");
  assert.equal(error.code, "HANDLER_FAILED");
  assert.equal(error.message, "onMessage failed", "the default text is unchanged: no internals leak");
  assert.equal((await client.until("message_new")).message.content, "Sorry, onMessage went wrong.");

  client.send({ type: "window_message", id: "w1", data: { x: 1 } });
  assert.equal((await client.until("message_new")).message.content, "Sorry, onWindowMessage went wrong.");

  client.send({ type: "user_message", id: "m2", content: "typed" });
  assert.equal((await client.until("error")).code, "STORE_FULL");
  await eventually(() => told.length === 3);
  assert.deepEqual(told, [
    { where: "onMessage", message: "secret detail" },
    { where: "onWindowMessage", message: "window failed" },
    { where: "onMessage", message: "too much state" },
  ]);
  await client.close();
});

test("onError is not told of a client's mistake, nor of a stop; a failing onError is only logged", async (t) => {
  const chat = createApp();
  const told: string[] = [];
  chat.onMessage(async (ctx, message) => {
    if (message.content === "wait")
      await new Promise((_, reject) => ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason)));
    if (message.content === "boom") throw new Error("x");
    await ctx.send("ok");
  });
  chat.onError((_ctx, _error, where) => {
    told.push(where);
    throw new Error("onError itself failed");
  });
  const client = await connectClient(await startGateway(t, { hooks: chat.seal() }));
  client.send({ type: "action_call", id: "c1", actionId: "forged" });
  assert.equal((await client.until("error")).code, "UNKNOWN_ACTION");
  client.send({ type: "user_message", id: "m1", content: "wait" });
  await client.until("task_start");
  client.send({ type: "stop" });
  await client.until("task_end");
  client.send({ type: "user_message", id: "m2", content: "boom" });
  assert.equal((await client.until("error")).code, "HANDLER_FAILED");
  client.send({ type: "user_message", id: "m3", content: "fine" });
  assert.equal((await client.until("message_new")).message.content, "ok", "the session goes on");
  assert.deepEqual(told, ["onMessage"]);
  await client.close();
});
