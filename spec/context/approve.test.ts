// ctx.approve on a fake context (lib/context/approve.ts): the buttons offered, the question, what each answer
// grants, forgetting, and the author's errors. The real gateway and stores: spec/surface/approvals.test.ts.
import assert from "node:assert/strict";
import { test } from "node:test";
import { setImmediate as tick } from "node:timers/promises";
import type { ChatwireError } from "chatwire";
import { createFakeContext, memoryGrants } from "chatwire/testing";

/** Starts `ctx.approve(init)`, presses `button` once the ask is out, and resolves with the answer. */
async function approveWith(ctx: ReturnType<typeof createFakeContext>, button: string, tool = "deploy") {
  const answer = ctx.approve({ tool, remember: "thread" });
  await tick();
  ctx.answer({ actionName: button });
  return answer;
}

test("an approval offers buttons up to `remember` and what the grants can keep, and shows the tool's input", async () => {
  const ctx = createFakeContext();
  const pending = ctx.approve({ tool: "delete_file", input: { path: "/tmp/x" }, remember: "user" });
  await tick();
  const [ask] = ctx.sentOf("ask");
  assert.deepEqual(
    ask?.message.actions.map((a) => a.name),
    ["approve_once", "approve_thread", "deny"],
    "memory grants cannot keep 'always'",
  );
  assert.match(
    ask?.message.content ?? "",
    /Allow \*\*delete_file\*\* to run with:\n\n```json\n\{\n {2}"path": "\/tmp\/x"\n\}\n```/,
  );
  ctx.answer({ actionName: "deny" });
  assert.equal(await pending, false);

  const once = createFakeContext();
  const asked = once.approve({ tool: "x", content: "Really?" });
  await tick();
  assert.deepEqual(
    once.sentOf("ask")[0]?.message.actions.map((a) => a.name),
    ["approve_once", "deny"],
    "remember defaults to once",
  );
  assert.equal(once.sentOf("ask")[0]?.message.content, "Really?");
  once.answer({ actionName: "approve_once" });
  assert.equal(await asked, true);
});

test("once asks again, a thread grant answers at once (shared grants too), and forgetting asks again", async () => {
  const grants = memoryGrants();
  const ctx = createFakeContext({ grants });
  assert.equal(await approveWith(ctx, "approve_once"), true);
  assert.equal(await approveWith(ctx, "approve_thread"), true, "asked again after once");
  assert.equal(ctx.sentOf("ask").length, 2);
  assert.equal(await ctx.approve({ tool: "deploy" }), true, "granted: no ask");
  assert.equal(ctx.sentOf("ask").length, 2);
  const nextTurn = createFakeContext({ grants });
  assert.equal(await nextTurn.approve({ tool: "deploy" }), true, "the session's grants, in its next turn");
  assert.equal(await grants.has("other"), false, "per tool");

  await ctx.forgetApproval("deploy");
  assert.equal(await approveWith(ctx, "deny"), false);
  assert.equal(ctx.sentOf("ask").length, 3);
});

test("a tool name that is empty or too long, or an unknown scope, is BAD_APPROVAL before anything is asked", async () => {
  const ctx = createFakeContext();
  for (const init of [{ tool: "" }, { tool: "t".repeat(201) }, { tool: "x", remember: "forever" as "user" }]) {
    await assert.rejects(ctx.approve(init), (error: ChatwireError) => error.code === "BAD_APPROVAL");
  }
  assert.equal(ctx.sentOf("ask").length, 0);
});

test("an approval times out as an ask does (ASK_TIMEOUT): nothing is granted", async () => {
  const grants = memoryGrants();
  const ctx = createFakeContext({ grants });
  await assert.rejects(
    ctx.approve({ tool: "deploy", timeoutMs: 5 }),
    (error: ChatwireError) => error.code === "ASK_TIMEOUT",
  );
  assert.equal(await grants.has("deploy"), false);
});
