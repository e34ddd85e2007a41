// Streaming into messages and steps through a fake context: replaced content, a step's streamed output and input
// (and what its end carries), app-chosen ids and the refusal of a bad or duplicate one.
import assert from "node:assert/strict";
import { test } from "node:test";
import { isChatwireError } from "../../lib/errors.ts";
import { createFakeContext } from "../../lib/testing/index.ts";

test("streamToken with replace replaces the content so far; the stream's end carries the replaced text", async () => {
  const ctx = createFakeContext();
  const reply = await ctx.stream();
  await reply.streamToken("Thinking");
  await reply.streamToken("...");
  await reply.streamToken("The answer", { replace: true });
  await reply.streamToken(" is 42");
  assert.equal(reply.content, "The answer is 42");
  await reply.endStream();
  assert.deepEqual(
    ctx.sentOf("stream_token").map(({ token, replace }) => [token, replace]),
    [
      ["Thinking", undefined],
      ["...", undefined],
      ["The answer", true],
      [" is 42", undefined],
    ],
  );
  assert.deepEqual(ctx.texts(), ["The answer is 42"]);
  assert.equal(ctx.history().at(-1)?.content, "The answer is 42", "ctx.history() has the replaced text");
});

test("a step streams its input and output token by token; its end carries both whole", async () => {
  const ctx = createFakeContext();
  const result = await ctx.step({ name: "search", type: "tool" }, async (step) => {
    await step.streamToken('{"q":', { input: true });
    await step.streamToken('"oslo"}', { input: true });
    await step.streamToken("searching…");
    await step.streamToken("3 ", { replace: true });
    await step.streamToken("results");
    return "ignored: the step streamed its output";
  });
  assert.equal(result, "ignored: the step streamed its output");
  const tokens = ctx.sentOf("step_token");
  assert.deepEqual(
    tokens.map(({ token, input, replace }) => [token, input, replace]),
    [
      ['{"q":', true, undefined],
      ['"oslo"}', true, undefined],
      ["searching…", undefined, undefined],
      ["3 ", undefined, true],
      ["results", undefined, undefined],
    ],
  );
  const steps = ctx.sentOf("step");
  assert.equal(steps.length, 2, "the step is sent at its start and its end");
  assert.equal(tokens[0]?.id, steps[0]?.step.id);
  assert.deepEqual(
    [steps[1]?.step.input, steps[1]?.step.output, typeof steps[1]?.step.end],
    ['{"q":"oslo"}', "3 results", "string"],
  );
});

test("a removed step streams nothing more", async () => {
  const ctx = createFakeContext();
  await ctx.step({ name: "gone" }, async (step) => {
    await step.remove();
    await step.streamToken("late");
  });
  assert.deepEqual(ctx.sentOf("step_token"), []);
});

test("messages and steps take the app's ids; frames and nesting use them", async () => {
  const ctx = createFakeContext();
  await ctx.step({ id: "run-7", name: "plan" }, async (step) => {
    await step.send({ id: "run-7.note", content: "nested" });
  });
  const reply = await ctx.stream({ id: "answer:run-7" });
  await reply.streamToken("ok");
  assert.equal(ctx.sentOf("step")[0]?.step.id, "run-7");
  assert.deepEqual(
    ctx.sentOf("message_new").map(({ message }) => [message.id, message.parentId]),
    [["run-7.note", "run-7"]],
  );
  assert.equal(ctx.sentOf("stream_token")[0]?.id, "answer:run-7");
});

test("an id the thread has already is DUPLICATE_ID, for messages and steps alike, and nothing is sent", async () => {
  const ctx = createFakeContext();
  await ctx.send({ id: "a1", content: "first" });
  await assert.rejects(ctx.send({ id: "a1", content: "second" }), (error) => isChatwireError(error, "DUPLICATE_ID"));
  await assert.rejects(
    ctx.step({ id: "a1", name: "clash" }, () => "never runs"),
    (error) => isChatwireError(error, "DUPLICATE_ID"),
  );
  await ctx.step({ id: "s1", name: "once" }, () => undefined);
  await assert.rejects(ctx.stream({ id: "s1" }), (error) => isChatwireError(error, "DUPLICATE_ID"));
  assert.deepEqual(ctx.texts(), ["first"]);
  assert.equal(ctx.sentOf("step").length, 2, "only the first s1's start and end");
});

test("an id of a message in the reopened thread's history is DUPLICATE_ID", async () => {
  const ctx = createFakeContext({
    history: [{ id: "old-1", role: "assistant", author: "Assistant", content: "hi", createdAt: "" }],
  });
  await assert.rejects(ctx.send({ id: "old-1", content: "again" }), (error) => isChatwireError(error, "DUPLICATE_ID"));
});

test("an id of the wrong shape is BAD_ID", async () => {
  const ctx = createFakeContext();
  for (const id of ["", "x".repeat(65), "has space", "slash/id", "<b>"]) {
    await assert.rejects(ctx.send({ id, content: "x" }), (error) => isChatwireError(error, "BAD_ID"), id);
  }
  await assert.rejects(
    ctx.step({ id: "é", name: "x" }, () => undefined),
    (error) => isChatwireError(error, "BAD_ID"),
  );
  assert.deepEqual(ctx.sent, []);
  await ctx.send({ id: "x".repeat(64), content: "64 is fine" });
});
