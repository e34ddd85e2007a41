// The fake context scripts what a session does to a handler: a dropped connection and the reconnect that replays
// what was held, a stop / timeout / interrupt that aborts the signal, cuts the open answer and refuses later sends,
// and the limits a real context keeps (ask timeouts, stream length). On the built package, as users get it.
import assert from "node:assert/strict";
import { test } from "node:test";
import { abortKind, type ChatContext, isChatwireError, TaskAborted } from "chatwire";
import { createFakeContext, createFakeEventContext } from "chatwire/testing";

/** A promise and its resolve, for holding a handler at a point the test chooses. */
function gate() {
  let open = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

test("frames sent while the connection is dropped reach the client on reconnect, in order, and the handler goes on", async () => {
  const ctx = createFakeContext();
  const hold = gate();
  const reply = async (c: ChatContext) => {
    await c.send("one");
    await hold.opened;
    const stream = await c.stream();
    await stream.streamToken("two");
    await stream.endStream();
    await c.send("three");
  };
  const done = reply(ctx);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(ctx.isConnected(), true);
  ctx.dropConnection();
  ctx.dropConnection(); // one drop
  assert.equal(ctx.isConnected(), false);
  hold.open();
  await done;

  assert.deepEqual(
    ctx.received.map((frame) => (frame.type === "message_new" ? frame.message.content : frame.type)),
    ["one"],
  );
  assert.deepEqual(ctx.texts(), ["one", "two", "three"]);
  const replayed = ctx.reconnect();
  assert.equal(ctx.isConnected(), true);
  assert.deepEqual(
    replayed.map((frame) => frame.type),
    ["stream_start", "stream_token", "stream_end", "message_new"],
  );
  assert.deepEqual(ctx.received, ctx.sent);
  assert.deepEqual(ctx.reconnect(), []);
});

test("abort('stop') aborts the signal, ends the open answer with what was streamed, and refuses later sends", async () => {
  const ctx = createFakeContext();
  const hold = gate();
  const reply = async (c: ChatContext) => {
    const stream = await c.stream();
    await stream.streamToken("Hel");
    await stream.streamToken("lo");
    await hold.opened;
    await c.send("after the stop");
  };
  const done = reply(ctx);
  await new Promise((resolve) => setImmediate(resolve));
  ctx.abort("stop");
  hold.open();

  await assert.rejects(done, (error) => error instanceof TaskAborted && error.kind === "stop");
  assert.equal(abortKind(ctx.signal), "stop");
  const [end] = ctx.sentOf("stream_end");
  assert.equal(end?.content, "Hello");
  assert.equal(end?.stopped, "user");
  assert.deepEqual(ctx.sentOf("message_new"), []);
});

for (const kind of ["timeout", "superseded"] as const) {
  test(`abort('${kind}') ends the open answer with reason ${kind}, and the first reason wins`, async () => {
    const ctx = createFakeContext();
    const stream = await ctx.stream();
    await stream.streamToken("partial");
    ctx.abort(kind);
    ctx.abort("stop");
    assert.equal(abortKind(ctx.signal), kind);
    assert.deepEqual(
      ctx.sentOf("stream_end").map((end) => [end.content, end.stopped]),
      [["partial", kind]],
    );
    await assert.rejects(stream.streamToken("more"), (error) => error instanceof TaskAborted && error.kind === kind);
  });
}

test("abort('disconnect') aborts the signal but does not silence the handler, as a session that ends", async () => {
  const ctx = createFakeContext();
  ctx.abort("disconnect");
  assert.equal(abortKind(ctx.signal), "disconnect");
  await ctx.send("still sent");
  assert.deepEqual(ctx.texts(), ["still sent"]);
});

test("the fake context keeps the real limits: BAD_ASK_TIMEOUT and STREAM_TOO_LONG", async () => {
  const ctx = createFakeContext({ maxAskTimeoutMs: 1000, maxStreamBytes: 4 });
  await assert.rejects(ctx.askText({ content: "?", timeoutMs: 1001 }), (error) =>
    isChatwireError(error, "BAD_ASK_TIMEOUT"),
  );
  await assert.rejects(ctx.askText({ content: "?", timeoutMs: 0 }), (error) =>
    isChatwireError(error, "BAD_ASK_TIMEOUT"),
  );
  assert.deepEqual(ctx.sentOf("ask"), []);
  const stream = await ctx.stream();
  await stream.streamToken("abcd");
  await assert.rejects(stream.streamToken("e"), (error) => isChatwireError(error, "STREAM_TOO_LONG"));
  await stream.streamToken("wxyz", { replace: true });
  await stream.endStream();
  assert.deepEqual(ctx.texts(), ["wxyz"]);
});

test("an event context's client drops and reconnects too", async () => {
  const ctx = createFakeEventContext();
  ctx.dropConnection();
  await ctx.send("while away");
  assert.deepEqual(ctx.received, []);
  assert.equal(ctx.reconnect().length, 1);
  assert.deepEqual(ctx.received, ctx.sent);
});
