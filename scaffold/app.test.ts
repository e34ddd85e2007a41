// `npm test`: the app's handlers with a fake context (no server, no socket), under Node's own test runner.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createFakeContext, userMessage } from "chatwire/testing";
import { echo, greet, reset, signIn } from "./app.ts";

test("greet offers a reset button, echo counts the turns, reset starts over", async () => {
  const ctx = createFakeContext({ user: { identifier: "ada" } });
  await greet(ctx);
  await echo(ctx, userMessage("hi"));
  await echo(ctx, userMessage("again"));
  assert.deepEqual(ctx.texts(), ["Hello ada! Say something.", "echo #1: hi", "echo #2: again"]);
  assert.equal(ctx.sentOf("message_new")[0]?.message.actions[0]?.name, "reset");

  await reset(ctx);
  assert.equal(ctx.state.get("turns"), 0);
  await echo(ctx, userMessage("once more"));
  assert.equal(ctx.texts().at(-1), "echo #1: once more");
});

test("signIn takes any name with the right password, and nobody without one", () => {
  assert.deepEqual(signIn("ada", "open sesame", "open sesame"), { identifier: "ada" });
  assert.equal(signIn("ada", "wrong", "open sesame"), undefined);
  assert.equal(signIn("ada", "", ""), undefined);
});
