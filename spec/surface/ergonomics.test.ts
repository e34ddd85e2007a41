// Chainlit's one-liners without bookkeeping: removing action buttons from an action callback (ctx.removeActions),
// action ids of the app's own, a step's return value as its output, a step removed, an ask cancelled by a signal
// and its message removed when it is over.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createApp } from "chatwire";
import { connectClient, createFakeContext } from "chatwire/testing";
import { startGateway } from "../support/gateway.ts";

test("an action callback removes its own button, its message's buttons, or all, with no handle kept", async (t) => {
  const chat = createApp();
  chat.onChatStart(async (ctx) => {
    await ctx.send({
      content: "first",
      actions: [
        { id: "order-17", name: "one", payload: { order: 17 } },
        { name: "mine", label: "Mine" },
      ],
    });
    await ctx.send({ content: "second", actions: [{ name: "all" }, { name: "one", id: "order-18" }] });
  });
  chat.actionCallback("one", async (ctx, action) => {
    await ctx.removeActions(action);
    await ctx.send(`one ${String(action.payload.order ?? action.id)}`);
  });
  chat.actionCallback("mine", async (ctx, action) => {
    await ctx.removeActions({ messageId: action.messageId });
  });
  chat.actionCallback("all", async (ctx) => {
    await ctx.removeActions();
  });
  const server = await startGateway(t, { hooks: chat.seal() });
  const client = await connectClient(server);
  t.after(() => client.close());
  const first = await client.until("message_new");
  const second = await client.until("message_new");
  assert.deepEqual(
    first.message.actions.map((action) => action.id),
    ["order-17", first.message.actions[1]?.id],
    "the app's id is the button's id",
  );

  client.send({ type: "action_call", id: "c1", actionId: "order-17" });
  const update = await client.until("message_update");
  assert.equal(update.message.id, first.message.id);
  assert.deepEqual(
    update.message.actions.map((action) => action.name),
    ["mine"],
  );
  assert.equal((await client.until("message_new")).message.content, "one 17");
  client.send({ type: "action_call", id: "c2", actionId: "order-17" });
  assert.equal((await client.until("error")).code, "UNKNOWN_ACTION", "a removed button is gone");

  client.send({ type: "action_call", id: "c3", actionId: first.message.actions[1]?.id ?? "" });
  assert.deepEqual((await client.until("message_update")).message.actions, []);

  client.send({ type: "action_call", id: "c4", actionId: second.message.actions[0]?.id ?? "" });
  const cleared = await client.until("message_update");
  assert.equal(cleared.message.id, second.message.id);
  assert.deepEqual(cleared.message.actions, []);
  client.send({ type: "action_call", id: "c5", actionId: "order-18" });
  assert.equal((await client.until("error")).code, "UNKNOWN_ACTION");
});

test("an action id outside 1 to 64 characters is the app's bug: send rejects", async () => {
  const ctx = createFakeContext();
  await assert.rejects(ctx.send({ content: "x", actions: [{ name: "a", id: "" }] }), RangeError);
  await assert.rejects(ctx.send({ content: "x", actions: [{ name: "a", id: "x".repeat(65) }] }), RangeError);
});

test("a step's return value becomes its output unless the step set one", async () => {
  const ctx = createFakeContext();
  const sum = await ctx.step({ name: "add", type: "tool" }, () => ({ sum: 3 }));
  assert.deepEqual(sum, { sum: 3 });
  await ctx.step({ name: "text" }, async () => "plain");
  await ctx.step({ name: "set" }, (step) => {
    step.output = "chosen";
    return "ignored";
  });
  await ctx.step({ name: "nothing" }, () => undefined);
  const ended = ctx.sentOf("step").filter((frame) => frame.step.end !== undefined);
  assert.deepEqual(
    ended.map((frame) => [frame.step.name, frame.step.output]),
    [
      ["add", '{"sum":3}'],
      ["text", "plain"],
      ["set", "chosen"],
      ["nothing", undefined],
    ],
  );
});

test("a step can remove itself: a message_delete with its id, and no update after", async () => {
  const ctx = createFakeContext();
  await ctx.step({ name: "scratch" }, async (step) => {
    await step.remove();
  });
  const frames = ctx.sent.map((frame) => frame.type);
  assert.deepEqual(frames, ["step", "message_delete"]);
});

test("an ask is cancelled by its own signal, and its message removed when it is over", async (t) => {
  const chat = createApp();
  chat.onMessage(async (ctx, message) => {
    const controller = new AbortController();
    if (message.content === "cancel") setTimeout(() => controller.abort(new Error("answered elsewhere")), 50);
    try {
      const name = await ctx.askText({ content: "Your name?", signal: controller.signal, removeWhenDone: true });
      await ctx.send(`hello ${name}`);
    } catch (error) {
      await ctx.send(`no answer: ${(error as Error).message}`);
    }
  });
  const server = await startGateway(t, { hooks: chat.seal() });
  const client = await connectClient(server);
  t.after(() => client.close());

  client.send({ type: "user_message", id: "m1", content: "cancel" });
  const ask = await client.until("ask");
  assert.equal((await client.until("ask_end")).outcome, "cancelled");
  assert.equal((await client.until("message_delete")).id, ask.message.id);
  assert.equal((await client.until("message_new")).message.content, "no answer: answered elsewhere");

  client.send({ type: "user_message", id: "m2", content: "answer" });
  const second = await client.until("ask");
  client.send({ type: "ask_reply", askId: second.askId, content: "Ada" });
  assert.equal((await client.until("ask_end")).outcome, "answered");
  assert.equal((await client.until("message_delete")).id, second.message.id);
  assert.equal((await client.until("message_new")).message.content, "hello Ada");
});

test("an ask whose signal is already aborted is not sent", async () => {
  const ctx = createFakeContext();
  await assert.rejects(ctx.askText({ content: "?", signal: AbortSignal.abort(new Error("no")) }), /no/);
  assert.deepEqual(ctx.sent, []);
});

test("ctx.toast sends a transient notice that is not part of the conversation", async (t) => {
  const chat = createApp();
  chat.onMessage(async (ctx) => {
    await ctx.toast("Saved", { level: "success" });
    await ctx.toast("Heads up");
  });
  const server = await startGateway(t, { hooks: chat.seal() });
  const client = await connectClient(server);
  t.after(() => client.close());
  client.send({ type: "user_message", id: "m1", content: "save" });
  const saved = await client.until("toast");
  assert.deepEqual([saved.message, saved.level], ["Saved", "success"]);
  assert.equal((await client.until("toast")).level, "info");
  const ctx = createFakeContext();
  await ctx.toast("note", { level: "warning" });
  assert.deepEqual(ctx.sentOf("toast"), [{ type: "toast", message: "note", level: "warning" }]);
  assert.deepEqual(ctx.history(), [], "not in the conversation");
});
