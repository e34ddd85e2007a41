// ctx.incoming() and ctx.takeIncoming() on their own, through the fake context: what a steering handler reads, in
// order; the iterator ends when the task is aborted; without an inbox (any policy but steer) both end at once.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type ChatContext, type IncomingMessage, TaskAborted } from "../../lib/index.ts";
import { createFakeContext, userMessage } from "../../lib/testing/index.ts";

/** A handler that answers, folding in each correction the user sends until they say "go". */
async function collect(ctx: ChatContext, message: IncomingMessage): Promise<void> {
  const parts = [message.content];
  for await (const more of ctx.incoming()) {
    if (more.content === "go") break;
    parts.push(more.content);
  }
  await ctx.send(parts.join(" + "));
}

test("incoming() yields the messages sent mid-reply in order, as they come", async () => {
  const ctx = createFakeContext({ incoming: ["with milk"] });
  const running = collect(ctx, userMessage("coffee"));
  await Promise.resolve();
  assert.equal(ctx.sendIncoming("no sugar"), true);
  ctx.sendIncoming("go");
  await running;
  assert.deepEqual(ctx.texts(), ["coffee + with milk + no sugar"]);
  assert.deepEqual(ctx.incomingRead, ["with milk", "no sugar", "go"]);
});

test("incoming() ends when the task is aborted; takeIncoming() reads what is there without waiting", async () => {
  const ctx = createFakeContext({ incoming: [] });
  const running = collect(ctx, userMessage("tea"));
  ctx.abort("stop");
  // The loop ended with the abort; the send after it is refused, as a real session refuses a stopped task's.
  await assert.rejects(running, (error) => error instanceof TaskAborted && error.kind === "stop");
  assert.deepEqual(ctx.texts(), []);
  const later = createFakeContext({ incoming: ["a", "b"] });
  assert.deepEqual(
    (await later.takeIncoming()).map((m) => m.content),
    ["a", "b"],
  );
  assert.deepEqual(await later.takeIncoming(), []);
});

test("without an inbox (any policy but steer) incoming() ends at once and takeIncoming() is empty", async () => {
  const ctx = createFakeContext();
  await collect(ctx, userMessage("tea"));
  assert.deepEqual(ctx.texts(), ["tea"]);
  assert.equal(ctx.sendIncoming("late"), false);
  assert.deepEqual(await ctx.takeIncoming(), []);
});
