// The fake context scripts a durable turn's node death and recovery for a handler under test (docs/testing.md):
// two fake contexts given one fakeTurn() are two attempts of the same turn; a step finished in the first is not run
// in the second, and a stored ask answered in between returns its answer without being asked again. On the built
// package, as users get it.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type ChatContext, type IncomingMessage, isChatwireError } from "chatwire";
import { createFakeContext, fakeTurn, memoryGrants, userMessage } from "chatwire/testing";

const WEEK_MS = 7 * 24 * 3600 * 1000;
let lookups = 0;
let greetings = 0;

/** The handler under test: a step, an askText, a step. */
async function greet(ctx: ChatContext, _message: IncomingMessage): Promise<void> {
  const answer = await ctx.stream();
  const found = await ctx.step({ name: "look up" }, () => {
    lookups += 1;
    return "looked up. ";
  });
  await answer.streamToken(found);
  const name = await ctx.askText({ content: "Whom should I greet?", timeoutMs: 2 * 24 * 3600 * 1000 });
  const greeting = await ctx.step({ name: "greet" }, () => {
    greetings += 1;
    return `hello ${name}. `;
  });
  await answer.streamToken(greeting);
  await answer.endStream();
}

/** Resolves once `ctx` has sent an ask (a handler reaches its ask after a few turns of the event loop). */
async function asked(ctx: { readonly sent: readonly { readonly type: string }[] }): Promise<void> {
  for (let turns = 0; turns < 1000; turns += 1) {
    if (ctx.sent.some((frame) => frame.type === "ask")) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  assert.fail("the handler never asked");
}

test("a node dies while an ask waits; the stored ask answered, the next attempt finishes without asking or looking up again", async () => {
  lookups = 0;
  greetings = 0;
  const turn = fakeTurn();
  const first = createFakeContext({ turn, maxAskTimeoutMs: WEEK_MS });
  const dying = greet(first, userMessage("greet someone"));
  await asked(first);
  assert.deepEqual(turn.waiting(), ["Whom should I greet?"]);
  first.abort("shutdown"); // the first attempt's node is gone
  await dying.catch(() => undefined);

  turn.answer({ content: "Ada" });
  assert.deepEqual(turn.waiting(), []);
  const second = createFakeContext({ turn, maxAskTimeoutMs: WEEK_MS });
  await greet(second, userMessage("greet someone"));
  assert.equal(turn.attempts, 2);
  assert.deepEqual(second.texts(), ["looked up. hello Ada. "]);
  assert.equal(
    second.sent.some((frame) => frame.type === "ask"),
    false,
  );
  assert.deepEqual([lookups, greetings], [1, 1]);
  assert.deepEqual([...turn.steps.values()], ["looked up. ", "hello Ada. "]);
  // The answer streams into the same message in both attempts: ids come from the turn.
  const started = (ctx: typeof first) => ctx.sent.find((frame) => frame.type === "stream_start");
  assert.equal(
    started(first)?.type === "stream_start" && started(first)?.message.id,
    started(second)?.type === "stream_start" && started(second)?.message.id,
  );
});

test("an ask still open in a later attempt is asked again with what is left of its time, and answered live", async () => {
  const turn = fakeTurn();
  const first = createFakeContext({ turn, maxAskTimeoutMs: WEEK_MS });
  const dying = greet(first, userMessage("hi"));
  await asked(first);
  first.abort("shutdown");
  await dying.catch(() => undefined);

  const second = createFakeContext({ turn, maxAskTimeoutMs: WEEK_MS });
  const running = greet(second, userMessage("hi"));
  await asked(second);
  const again = second.sent.find((frame) => frame.type === "ask");
  assert.ok(again?.type === "ask" && again.timeoutMs <= 2 * 24 * 3600 * 1000);
  second.answer({ content: "Grace" });
  await running;
  assert.deepEqual(second.texts().at(-1), "looked up. hello Grace. ");
  assert.throws(
    () => turn.answer({ content: "late" }),
    (error) => isChatwireError(error) && error.code === "UNKNOWN_ASK",
  );
});

test("a stored ask past its deadline: a later attempt's ask throws ASK_TIMEOUT without asking", async () => {
  const turn = fakeTurn();
  const ask = (ctx: ChatContext) => ctx.askText({ content: "Still there?", timeoutMs: 20 });
  const first = createFakeContext({ turn, maxAskTimeoutMs: WEEK_MS });
  const dying = ask(first);
  await asked(first);
  first.abort("shutdown");
  await dying.catch(() => undefined);
  await new Promise((resolve) => setTimeout(resolve, 40)); // the stored deadline passes while no node holds the turn
  const second = createFakeContext({ turn, maxAskTimeoutMs: WEEK_MS });
  await assert.rejects(ask(second), (error) => isChatwireError(error) && error.code === "ASK_TIMEOUT");
  assert.equal(
    second.sent.some((frame) => frame.type === "ask"),
    false,
  );
});

test("an approval (ctx.approve) is a stored ask: pressed after the node died, the next attempt runs the tool once", async () => {
  const grants = memoryGrants();
  let deployed = 0;
  const deploy = async (ctx: ChatContext) => {
    if (await ctx.approve({ tool: "deploy", input: { env: "prod" }, remember: "thread" }))
      await ctx.step({ name: "deploy" }, () => (deployed += 1));
  };
  const turn = fakeTurn();
  const first = createFakeContext({ turn, grants });
  const dying = deploy(first);
  await asked(first);
  first.abort("shutdown");
  await dying.catch(() => undefined);
  turn.answer({ actionName: "approve_thread" });
  const second = createFakeContext({ turn, grants });
  await deploy(second);
  assert.equal(deployed, 1);
  assert.equal(
    second.sent.some((frame) => frame.type === "ask"),
    false,
  );
  assert.equal(await grants.has("deploy"), true, "the grant the pressed button gave is kept");
});
