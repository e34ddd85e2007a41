import assert from "node:assert/strict";
import { test } from "node:test";
import { abortKind, TaskAborted } from "../../lib/context/abort.ts";
import type { ChatContext } from "../../lib/context/context.ts";
import { isChatwireError } from "../../lib/errors.ts";
import type { IncomingMessage } from "../../lib/hooks/payloads.ts";
import { createFakeContext, userMessage } from "../../lib/testing/index.ts";

const echo = async (ctx: ChatContext<{ turns: number }>, message: IncomingMessage) => {
  ctx.state.set("turns", (ctx.state.get("turns") ?? 0) + 1);
  await ctx.send(`echo: ${message.content}`);
};

test("echo replies with the text and counts the turn", async () => {
  const ctx = createFakeContext<{ turns: number }>({ state: { turns: 0 } });
  await echo(ctx, userMessage("hi", { id: "m1" }));
  assert.equal(userMessage("x").clientId.length > 0, true);
  assert.deepEqual(ctx.sent, [
    {
      type: "message_new",
      message: {
        id: "id1",
        role: "assistant",
        author: "Assistant",
        content: "echo: hi",
        createdAt: "2026-01-01T00:00:00.000Z",
        actions: [],
      },
    },
  ]);
  assert.equal(ctx.state.get("turns"), 1);
});

test("a message's actions get ids, belong to the message, and can be removed one by one", async () => {
  const ctx = createFakeContext();
  const message = await ctx.send({
    content: "Review",
    actions: [
      { name: "approve", payload: { id: 7 } },
      { name: "reject", label: "No" },
    ],
  });
  assert.deepEqual(
    message.actions.map((a) => [a.name, a.label, a.messageId]),
    [
      ["approve", "approve", message.id],
      ["reject", "No", message.id],
    ],
  );
  const [approve] = message.actions;
  assert.ok(approve);
  await message.removeAction(approve.id);
  const update = ctx.sentOf("message_update").at(-1);
  assert.deepEqual(
    update?.message.actions.map((a) => a.name),
    ["reject"],
  );
});

test("streaming sends start, each token, and the whole content at the end", async () => {
  const ctx = createFakeContext();
  const message = await ctx.stream({ author: "Bot" });
  for (const token of ["Hel", "lo", "!"]) await message.streamToken(token);
  await message.endStream();
  assert.deepEqual(
    ctx.sent.map((f) => f.type),
    ["stream_start", "stream_token", "stream_token", "stream_token", "stream_end"],
  );
  assert.equal(message.content, "Hello!");
  assert.deepEqual(ctx.texts(), ["Hello!"]);
});

test("update and remove send message_update and message_delete", async () => {
  const ctx = createFakeContext();
  const message = await ctx.send("draft");
  await message.update({ content: "final" });
  await message.remove();
  assert.equal(ctx.sentOf("message_update")[0]?.message.content, "final");
  assert.deepEqual(ctx.sentOf("message_delete"), [{ type: "message_delete", id: message.id }]);
});

test("authorRename applies to every outgoing author", async () => {
  const ctx = createFakeContext({ hooks: { authorRename: async (author) => `🤖 ${author}` } });
  await ctx.send("a");
  await ctx.send({ content: "b", author: "Tool" });
  const stream = await ctx.stream();
  await stream.streamToken("c");
  assert.deepEqual(
    [...ctx.sentOf("message_new"), ...ctx.sentOf("stream_start")].map((f) => f.message.author),
    ["🤖 Assistant", "🤖 Tool", "🤖 Assistant"],
  );
});

test("nested steps carry their parent, output and timings; a failing step records its error and rethrows", async () => {
  let clock = 0;
  const ctx = createFakeContext({ now: () => new Date(Date.UTC(2026, 0, 1, 0, 0, clock++)) });
  await ctx.step({ name: "outer", type: "run", input: "q" }, async (outer) => {
    await outer.step({ name: "inner", type: "tool" }, (inner) => {
      inner.output = "42";
    });
    outer.output = "done";
  });
  await assert.rejects(
    ctx.step({ name: "broken" }, () => {
      throw new Error("boom");
    }),
    /boom/,
  );
  const steps = ctx.sentOf("step").map((f) => f.step);
  const outerEnd = steps.find((s) => s.name === "outer" && s.end !== undefined);
  const innerEnd = steps.find((s) => s.name === "inner" && s.end !== undefined);
  assert.equal(innerEnd?.parentId, outerEnd?.id);
  assert.equal(innerEnd?.output, "42");
  assert.equal(outerEnd?.output, "done");
  assert.equal(outerEnd?.input, "q");
  assert.ok(outerEnd && outerEnd.end !== undefined && outerEnd.end > outerEnd.start);
  assert.equal(steps.find((s) => s.name === "broken" && s.end !== undefined)?.error, "boom");
});

test("askText resolves with the user's answer and closes the ask", async () => {
  const ctx = createFakeContext();
  const answer = ctx.askText("Your name?");
  await Promise.resolve();
  await new Promise((resolve) => setImmediate(resolve));
  ctx.answer({ content: "Ada" });
  assert.equal(await answer, "Ada");
  assert.equal(ctx.sentOf("ask")[0]?.kind, "text");
  assert.deepEqual(
    ctx.sentOf("ask_end").map((f) => f.outcome),
    ["answered"],
  );
});

test("askAction resolves with the chosen action", async () => {
  const ctx = createFakeContext();
  const choice = ctx.askAction({ content: "Pick", actions: [{ name: "red" }, { name: "blue" }] });
  await new Promise((resolve) => setImmediate(resolve));
  ctx.answer({ actionName: "blue" });
  assert.equal((await choice).name, "blue");
});

test("an ask whose author cannot be renamed rejects at once and leaves no ask open", async () => {
  const ctx = createFakeContext({
    hooks: {
      authorRename: () => {
        throw new Error("rename failed");
      },
    },
  });
  await assert.rejects(ctx.askText({ content: "?", timeoutMs: 20 }), /rename failed/);
  await new Promise((resolve) => setTimeout(resolve, 40)); // past the timeout: nothing rejects unobserved
  assert.deepEqual(ctx.sentOf("ask"), []);
  assert.deepEqual(ctx.sentOf("ask_end"), []);
});

test("an unanswered ask rejects with ASK_TIMEOUT after its timeout", async () => {
  const ctx = createFakeContext();
  await assert.rejects(ctx.askText({ content: "?", timeoutMs: 20 }), (error) => isChatwireError(error, "ASK_TIMEOUT"));
  assert.deepEqual(
    ctx.sentOf("ask_end").map((f) => f.outcome),
    ["timeout"],
  );
});

test("aborting the task rejects a pending ask with the abort reason, which tells stop from disconnect", async () => {
  const ctx = createFakeContext();
  const pending = ctx.askText("?");
  ctx.abort("stop");
  await assert.rejects(pending, (error) => error instanceof TaskAborted && error.kind === "stop");
  assert.equal(abortKind(ctx.signal), "stop");
  assert.deepEqual(
    ctx.sentOf("ask_end").map((f) => f.outcome),
    ["cancelled"],
  );
});

test("answering with no open ask is UNKNOWN_ASK", () => {
  const ctx = createFakeContext();
  assert.throws(
    () => ctx.answer({ content: "x" }),
    (error) => isChatwireError(error, "UNKNOWN_ASK"),
  );
});

test("sendWindowMessage sends the data as is", async () => {
  const ctx = createFakeContext();
  await ctx.sendWindowMessage({ type: "status", progress: 75 });
  assert.deepEqual(ctx.sent, [{ type: "window_message", data: { type: "status", progress: 75 } }]);
});

test("the context carries user, ids, profile and a logger", () => {
  const ctx = createFakeContext({ user: { identifier: "ada" }, chatProfile: "gpt", sessionId: "s", threadId: "t" });
  ctx.log.info({ a: 1 }, "hello");
  assert.deepEqual([ctx.user?.identifier, ctx.chatProfile, ctx.sessionId, ctx.threadId], ["ada", "gpt", "s", "t"]);
  assert.deepEqual(ctx.logs, [{ level: "info", obj: { a: 1 }, msg: "hello" }]);
});
