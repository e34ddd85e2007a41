// Bad input is never fatal: each case gets a typed error frame, the session keeps working, other sessions too.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { ChatwireError, createApp, createSqliteLayer } from "chatwire";
import { connectClient } from "chatwire/testing";
import { eventually, startGateway } from "../support/gateway.ts";

function echoApp() {
  const chat = createApp();
  chat.onMessage(async (ctx, message) => {
    if (message.content === "throw") throw new Error("secret internal detail");
    if (message.content === "typed") throw new ChatwireError("UNKNOWN_ACTION", "the app says no");
    if (message.content === "slow") await new Promise((resolve) => setTimeout(resolve, 100));
    await ctx.send(`echo ${message.content}`);
  });
  return chat.seal();
}

/** Sends `bad`, expects an error frame with `code`, then checks the session still answers. */
async function expectError(
  client: Awaited<ReturnType<typeof connectClient>>,
  bad: Parameters<typeof client.send>[0],
  code: string,
) {
  client.send(bad);
  const error = await client.until("error");
  assert.equal(error.code, code);
  client.send({ type: "user_message", id: `after-${code}`, content: "ok" });
  assert.equal((await client.until("message_new")).message.content, "echo ok");
  return error;
}

test("invalid JSON is BAD_JSON and the session goes on", async (t) => {
  const client = await connectClient(await startGateway(t, { hooks: echoApp() }));
  await expectError(client, "{not json", "BAD_JSON");
  await client.close();
});

test("an unknown frame type is UNKNOWN_FRAME", async (t) => {
  const client = await connectClient(await startGateway(t, { hooks: echoApp() }));
  const error = await expectError(client, '{"type":"launch_missiles"}', "UNKNOWN_FRAME");
  assert.equal(error.field, "/type");
  await client.close();
});

test("a frame failing its schema is BAD_FRAME naming the field, with replyTo", async (t) => {
  const client = await connectClient(await startGateway(t, { hooks: echoApp() }));
  const error = await expectError(client, '{"type":"user_message","id":"m9","content":["x"]}', "BAD_FRAME");
  assert.equal(error.field, "/content");
  assert.equal(error.replyTo, "m9");
  await client.close();
});

test("an action id that was never sent is UNKNOWN_ACTION", async (t) => {
  const client = await connectClient(await startGateway(t, { hooks: echoApp() }));
  const error = await expectError(client, { type: "action_call", id: "c1", actionId: "forged" }, "UNKNOWN_ACTION");
  assert.equal(error.replyTo, "c1");
  await client.close();
});

test("an action with no registered callback is UNKNOWN_ACTION", async (t) => {
  const chat = createApp();
  chat.onChatStart(async (ctx) => {
    await ctx.send({ content: "x", actions: [{ name: "orphan" }] });
  });
  chat.onMessage(async (ctx) => {
    await ctx.send("echo ok");
  });
  const client = await connectClient(await startGateway(t, { hooks: chat.seal() }));
  const action = (await client.until("message_new")).message.actions[0];
  const error = await expectError(
    client,
    { type: "action_call", id: "c", actionId: action?.id ?? "" },
    "UNKNOWN_ACTION",
  );
  assert.match(error.message, /orphan/);
  await client.close();
});

test("a handler that throws is HANDLER_FAILED without leaking its message; a ChatwireError keeps its code", async (t) => {
  const client = await connectClient(await startGateway(t, { hooks: echoApp() }));
  const failed = await expectError(client, { type: "user_message", id: "m1", content: "throw" }, "HANDLER_FAILED");
  assert.equal(failed.replyTo, "m1");
  assert.doesNotMatch(failed.message, /secret/);
  const typed = await expectError(client, { type: "user_message", id: "m2", content: "typed" }, "UNKNOWN_ACTION");
  assert.equal(typed.message, "the app says no");
  await client.close();
});

test("feedback on a message that is not in this conversation is UNKNOWN_MESSAGE", async (t) => {
  const client = await connectClient(await startGateway(t, { hooks: echoApp() }));
  const error = await expectError(
    client,
    { type: "feedback", id: "f", messageId: "elsewhere", value: 1 },
    "UNKNOWN_MESSAGE",
  );
  assert.equal(error.replyTo, "f");
  await client.close();
});

test("an ask_reply for no open ask is UNKNOWN_ASK", async (t) => {
  const client = await connectClient(await startGateway(t, { hooks: echoApp() }));
  const error = await expectError(client, { type: "ask_reply", askId: "nope", content: "x" }, "UNKNOWN_ASK");
  assert.equal(error.replyTo, "nope", "an error about an ask reply names the ask");
  await client.close();
});

test("audio without audio_start is AUDIO_NOT_STARTED; a malformed binary frame is BAD_BINARY", async (t) => {
  const client = await connectClient(await startGateway(t, { hooks: echoApp() }));
  await expectError(client, { type: "audio_end" }, "AUDIO_NOT_STARTED");
  await expectError(client, new Uint8Array([9, 9, 9]), "BAD_BINARY");
  await client.close();
});

test("a frame over maxFrameBytes is FRAME_TOO_LARGE and the session goes on", async (t) => {
  const client = await connectClient(await startGateway(t, { hooks: echoApp(), maxFrameBytes: 1000 }));
  await expectError(client, { type: "user_message", id: "big", content: "x".repeat(2000) }, "FRAME_TOO_LARGE");
  await client.close();
});

test("a frame over 4x maxFrameBytes is refused by the transport with close code 1009", async (t) => {
  const client = await connectClient(await startGateway(t, { hooks: echoApp(), maxFrameBytes: 1000 }));
  client.send({ type: "user_message", id: "huge", content: "x".repeat(5000) });
  assert.equal(await client.closed, 1009);
});

test("messages beyond the task queue limit get QUEUE_FULL; the queued ones still run", async (t) => {
  const client = await connectClient(await startGateway(t, { hooks: echoApp(), maxQueuedTasks: 2 }));
  for (const id of ["1", "2", "3", "4"]) client.send({ type: "user_message", id, content: "slow" });
  const error = await client.until("error");
  assert.equal(error.code, "QUEUE_FULL");
  assert.equal(error.replyTo, "4");
  for (let i = 0; i < 3; i++) assert.equal((await client.until("message_new", 3000)).message.content, "echo slow");
  await client.close();
});

test("frames before hello get HELLO_REQUIRED; a second hello gets ALREADY_HELLO; a wrong version is refused", async (t) => {
  const server = await startGateway(t, { hooks: echoApp() });
  const early = await connectClient(server, { hello: false });
  early.send({ type: "user_message", id: "m", content: "hi" });
  const first = await early.next();
  assert.equal(first.type === "error" ? first.code : first.type, "HELLO_REQUIRED");
  early.send({ type: "user_message", id: "m2", content: 42 } as never);
  const bad = await early.next();
  assert.deepEqual(
    bad.type === "error" ? [bad.code, bad.replyTo, bad.field] : bad.type,
    ["BAD_FRAME", "m2", "/content"],
    "a bad frame before hello still says which frame and field",
  );
  early.send({ type: "hello", protocol: 1 });
  await early.until("welcome");
  await expectError(early, { type: "hello", protocol: 1 }, "ALREADY_HELLO");
  await early.close();

  const old = await connectClient(server, { hello: false });
  old.send({ type: "hello", protocol: 99 });
  const refused = await old.next();
  assert.equal(refused.type === "error" ? refused.code : refused.type, "PROTOCOL_VERSION");
  assert.equal(await old.closed, 1002);
});

test("a connection that never says hello is closed after helloTimeoutMs", async (t) => {
  const silent = await connectClient(await startGateway(t, { hooks: echoApp(), helloTimeoutMs: 50 }), { hello: false });
  assert.equal(await silent.closed, 1008);
});

test("one session's bad input never disturbs another session", async (t) => {
  const server = await startGateway(t, { hooks: echoApp() });
  const good = await connectClient(server);
  const bad = await connectClient(server);
  for (const frame of ["{", '{"type":1}', '{"type":"user_message"}', "[]"]) bad.send(frame);
  good.send({ type: "user_message", id: "g", content: "fine" });
  assert.equal((await good.until("message_new")).message.content, "echo fine");
  assert.equal(good.received.filter((f) => f.type === "error").length, 0);
  for (let i = 0; i < 4; i++) await bad.until("error");
  await good.close();
  await bad.close();
});

test("writes the database refuses are PERSISTENCE_FAILED before task_end, and the session goes on", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "chatwire-fail-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const layer = createSqliteLayer({ path: join(dir, "chat.db") });
  await layer.migrate();
  const client = await connectClient(await startGateway(t, { hooks: echoApp(), data: layer }));
  client.send({ type: "user_message", id: "m1", content: "stored" });
  await client.until("task_end");
  await layer.close(); // the database goes away under a live session
  client.send({ type: "user_message", id: "m2", content: "not stored" });
  assert.equal((await client.until("message_new")).message.content, "echo not stored");
  const failed = await client.until("error");
  assert.equal(failed.code, "PERSISTENCE_FAILED");
  const end = await client.until("task_end");
  assert.ok(end.seq > failed.seq, "task_end follows the report: the client is not told the turn was saved");
  client.send({ type: "user_message", id: "m3", content: "still here" });
  assert.equal((await client.until("message_new")).message.content, "echo still here");
  await client.close();
});

test("a handler that outlives its session gets SESSION_CLOSED from ctx.send", async (t) => {
  const chat = createApp();
  let late: unknown;
  chat.onMessage(async (ctx) => {
    await new Promise((resolve) => setTimeout(resolve, 300)); // ignores ctx.signal on purpose
    try {
      await ctx.send("nobody is listening");
    } catch (error) {
      late = error;
    }
  });
  const client = await connectClient(await startGateway(t, { hooks: chat.seal(), endGraceMs: 50 }));
  client.send({ type: "user_message", id: "m1", content: "go" });
  await client.until("task_start");
  await client.close(); // code 1000: the session ends now
  await eventually(() => late !== undefined, 3000);
  assert.ok(late instanceof ChatwireError && late.code === "SESSION_CLOSED", `got ${String(late)}`);
});
