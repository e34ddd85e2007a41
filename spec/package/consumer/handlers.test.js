// A consumer's plain JavaScript unit test (`node --test handlers.test.js`, no TypeScript loader): a handler against
// chatwire/testing's fake context.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createFakeContext, userMessage } from "chatwire/testing";

/** @param {import("chatwire").ChatContext} ctx @param {import("chatwire").IncomingMessage} message */
async function shout(ctx, message) {
  await ctx.step({ name: "upper-case" }, async (step) => {
    step.output = message.content.toUpperCase();
  });
  await ctx.send(`${message.content.toUpperCase()}!`);
}

test("a handler runs against the fake context under plain node", async () => {
  const ctx = createFakeContext({ askTimeoutMs: undefined, sessionId: undefined });
  await shout(ctx, userMessage("hi"));
  assert.deepEqual(ctx.texts(), ["HI!"]);
  assert.equal(ctx.sentOf("step").at(-1)?.step.output, "HI");
  assert.equal(ctx.sessionId, "session1");
});
