// Every hook of the seed, end to end: a real server on 127.0.0.1, a real ws client.
import assert from "node:assert/strict";
import { test } from "node:test";
import { abortKind, createApp, type InputAudioChunk } from "chatwire";
import { encodeAudioChunk } from "chatwire/protocol";
import { connectClient } from "chatwire/testing";
import { eventually, startGateway } from "../support/gateway.ts";

test("onChatStart greets after welcome, and onMessage answers with the session's typed state", async (t) => {
  const chat = createApp<{ turns: number }>();
  chat.onChatStart((ctx) => ctx.send("hello").then(() => undefined));
  chat.onMessage(async (ctx, message) => {
    const turns = (ctx.state.get("turns") ?? 0) + 1;
    ctx.state.set("turns", turns);
    await ctx.send(`#${turns} ${message.content}`);
  });
  const server = await startGateway(t, { hooks: chat.seal(), initialState: () => ({ turns: 10 }) });
  const client = await connectClient(server);
  t.after(() => client.close());
  assert.equal(client.welcome?.seq, 0);
  assert.equal((await client.until("message_new")).message.content, "hello");
  client.send({ type: "user_message", id: "m1", content: "hi" });
  assert.equal((await client.until("message_new")).message.content, "#11 hi");
  client.send({ type: "user_message", id: "m2", content: "again" });
  assert.equal((await client.until("message_new")).message.content, "#12 again");
  const seqs = client.received.filter((f) => f.type !== "welcome").map((f) => f.seq);
  assert.deepEqual(
    seqs,
    seqs.map((_, i) => i + 1),
  );
});

test("each message runs as a task between task_start and task_end, queued in order", async (t) => {
  const chat = createApp();
  const order: string[] = [];
  chat.onMessage(async (ctx, message) => {
    order.push(`start ${message.content}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
    order.push(`end ${message.content}`);
    await ctx.send(message.content);
  });
  const server = await startGateway(t, { hooks: chat.seal() });
  const client = await connectClient(server);
  for (const id of ["a", "b", "c"]) client.send({ type: "user_message", id, content: id });
  for (let i = 0; i < 3; i++) await client.until("task_end");
  assert.deepEqual(order, ["start a", "end a", "start b", "end b", "start c", "end c"]);
  const types = client.received.map((f) => f.type).filter((type) => type !== "welcome");
  assert.deepEqual(types, Array(3).fill(["task_start", "message_new", "task_end"]).flat());
  await client.close();
});

test("an action button calls its actionCallback with the action's payload", async (t) => {
  const chat = createApp();
  chat.onChatStart(async (ctx) => {
    await ctx.send({ content: "Review", actions: [{ name: "approve", label: "OK", payload: { request: "REQ-1" } }] });
  });
  chat.actionCallback("approve", async (ctx, action) => {
    await ctx.send(`approved ${String(action.payload.request)} from ${action.messageId}`);
  });
  const server = await startGateway(t, { hooks: chat.seal() });
  const client = await connectClient(server);
  const offer = (await client.until("message_new")).message;
  const action = offer.actions[0];
  assert.ok(action);
  client.send({ type: "action_call", id: "c1", actionId: action.id });
  assert.equal((await client.until("message_new")).message.content, `approved REQ-1 from ${offer.id}`);
  await client.close();
});

test("stop aborts the running task with reason stop, calls onStop, and the session goes on", async (t) => {
  const chat = createApp();
  const seen: (string | undefined)[] = [];
  chat.onMessage(async (ctx, message) => {
    if (message.content !== "long") {
      await ctx.send("still here");
      return;
    }
    const stream = await ctx.stream();
    await new Promise<void>((resolve) => ctx.signal.addEventListener("abort", () => resolve(), { once: true }));
    seen.push(abortKind(ctx.signal));
    await stream.endStream();
  });
  chat.onStop(async (ctx) => {
    seen.push("onStop");
    await ctx.send("stopped");
  });
  const server = await startGateway(t, { hooks: chat.seal() });
  const client = await connectClient(server);
  client.send({ type: "user_message", id: "m1", content: "long" });
  await client.until("stream_start");
  client.send({ type: "stop" });
  await client.until("task_end");
  assert.deepEqual(seen.sort(), ["onStop", "stop"]);
  client.send({ type: "user_message", id: "m2", content: "next" });
  assert.equal((await client.until("message_new")).message.content, "still here");
  await client.close();
});

test("a text ask is answered by ask_reply; an unanswered ask times out with ASK_TIMEOUT", async (t) => {
  const chat = createApp();
  chat.onMessage(async (ctx, message) => {
    if (message.content === "quick") {
      await ctx.askText({ content: "never answered", timeoutMs: 50 });
      return;
    }
    const name = await ctx.askText("name?");
    await ctx.send(`hi ${name}`);
  });
  const server = await startGateway(t, { hooks: chat.seal() });
  const client = await connectClient(server);
  client.send({ type: "user_message", id: "m1", content: "ask" });
  const ask = await client.until("ask");
  assert.equal(ask.kind, "text");
  assert.equal(ask.message.content, "name?");
  client.send({ type: "ask_reply", askId: ask.askId, content: "Ada" });
  assert.equal((await client.until("ask_end")).outcome, "answered");
  assert.equal((await client.until("message_new")).message.content, "hi Ada");
  client.send({ type: "user_message", id: "m2", content: "quick" });
  assert.equal((await client.until("ask_end")).outcome, "timeout");
  const error = await client.until("error");
  assert.equal(error.code, "ASK_TIMEOUT");
  assert.equal(error.replyTo, "m2");
  await client.close();
});

test("an action ask resolves with the chosen action", async (t) => {
  const chat = createApp();
  chat.onMessage(async (ctx) => {
    const choice = await ctx.askAction({ content: "color?", actions: [{ name: "red" }, { name: "blue" }] });
    await ctx.send(`chose ${choice.name}`);
  });
  const server = await startGateway(t, { hooks: chat.seal() });
  const client = await connectClient(server);
  client.send({ type: "user_message", id: "m1", content: "go" });
  const ask = await client.until("ask");
  const blue = ask.message.actions.find((a) => a.name === "blue");
  client.send({ type: "ask_reply", askId: ask.askId, actionId: blue?.id ?? "" });
  assert.equal((await client.until("message_new")).message.content, "chose blue");
  await client.close();
});

test("an ask's buttons answer only the ask: an action_call naming one is UNKNOWN_ACTION and the ask stays open", async (t) => {
  const chat = createApp();
  let callbacks = 0;
  chat.actionCallback("red", () => {
    callbacks++;
  });
  chat.onMessage(async (ctx) => {
    const choice = await ctx.askAction({ content: "color?", actions: [{ name: "red" }] });
    await ctx.send(`chose ${choice.name}`);
  });
  const server = await startGateway(t, { hooks: chat.seal() });
  const client = await connectClient(server);
  t.after(() => client.close());
  client.send({ type: "user_message", id: "m1", content: "go" });
  const ask = await client.until("ask");
  const red = ask.message.actions[0]?.id ?? "";
  client.send({ type: "action_call", id: "c1", actionId: red });
  const error = await client.until("error");
  assert.equal(error.code, "UNKNOWN_ACTION");
  assert.equal(error.replyTo, "c1");
  client.send({ type: "ask_reply", askId: ask.askId, actionId: red });
  assert.equal((await client.until("message_new")).message.content, "chose red");
  assert.equal(callbacks, 0);
});

test("window messages travel both ways", async (t) => {
  const chat = createApp();
  chat.onWindowMessage(async (ctx, data) => {
    await ctx.sendWindowMessage({ echoed: data });
  });
  const server = await startGateway(t, { hooks: chat.seal() });
  const client = await connectClient(server);
  client.send({ type: "window_message", data: { type: "page_visibility", visible: false } });
  const frame = await client.until("window_message");
  assert.deepEqual(frame.data, { echoed: { type: "page_visibility", visible: false } });
  await client.close();
});

test("audio start, binary and JSON chunks, and end arrive in order with isStart on the first chunk", async (t) => {
  const chat = createApp();
  const events: string[] = [];
  const chunks: InputAudioChunk[] = [];
  chat.onAudioStart((_ctx, start) => {
    events.push(`start ${start.mimeType}`);
    return true;
  });
  chat.onAudioChunk(async (_ctx, chunk) => {
    await new Promise((resolve) => setTimeout(resolve, chunks.length % 2 === 0 ? 5 : 0));
    chunks.push(chunk);
    events.push(`chunk ${chunk.elapsedTime}`);
  });
  chat.onAudioEnd(async (ctx) => {
    events.push("end");
    await ctx.send(`got ${chunks.reduce((n, c) => n + c.data.byteLength, 0)} bytes`);
  });
  const server = await startGateway(t, { hooks: chat.seal() });
  const client = await connectClient(server);
  client.send({ type: "audio_start", mimeType: "audio/webm" });
  for (let i = 0; i < 10; i++) {
    const bytes = new Uint8Array(100).fill(i);
    if (i % 3 === 0)
      client.send({ type: "audio_chunk", elapsedTime: i / 10, data: Buffer.from(bytes).toString("base64") });
    else client.send(encodeAudioChunk(i / 10, bytes));
  }
  client.send({ type: "audio_end" });
  assert.equal((await client.until("audio_state")).connected, true);
  assert.equal((await client.until("audio_state")).connected, false);
  assert.equal((await client.until("message_new")).message.content, "got 1000 bytes");
  assert.deepEqual(events, ["start audio/webm", ...Array.from({ length: 10 }, (_, i) => `chunk ${i / 10}`), "end"]);
  assert.deepEqual(
    chunks.map((c) => [c.isStart, c.mimeType, c.data[0]]),
    chunks.map((_, i) => [i === 0, "audio/webm", i]),
  );
  await client.close();
});

test("onAudioStart returning false refuses the recording; chunks then get AUDIO_NOT_STARTED", async (t) => {
  const chat = createApp();
  chat.onAudioStart(() => false);
  chat.onAudioChunk(() => assert.fail("no chunk should arrive"));
  const server = await startGateway(t, { hooks: chat.seal() });
  const client = await connectClient(server);
  client.send({ type: "audio_start", mimeType: "audio/wav" });
  assert.equal((await client.until("audio_state")).connected, false);
  client.send(encodeAudioChunk(0, new Uint8Array(4)));
  assert.equal((await client.until("error")).code, "AUDIO_NOT_STARTED");
  await client.close();
});

test("feedback reaches onFeedback, and a second feedback on the message keeps its id", async (t) => {
  const chat = createApp();
  const got: unknown[] = [];
  chat.onChatStart(async (ctx) => {
    await ctx.send("rate me");
  });
  chat.onFeedback((_ctx, feedback) => {
    got.push(feedback);
  });
  const server = await startGateway(t, { hooks: chat.seal() });
  const client = await connectClient(server);
  const messageId = (await client.until("message_new")).message.id;
  client.send({ type: "feedback", id: "f1", messageId, value: 1 });
  const first = await client.until("feedback_saved");
  client.send({ type: "feedback", id: "f2", messageId, value: 0, comment: "actually no" });
  const second = await client.until("feedback_saved");
  assert.equal(first.replyTo, "f1");
  assert.equal(second.feedbackId, first.feedbackId);
  assert.deepEqual(got, [
    { id: first.feedbackId, messageId, value: 1, comment: undefined },
    { id: first.feedbackId, messageId, value: 0, comment: "actually no" },
  ]);
  await client.close();
});

test("authorRename renames every outgoing author", async (t) => {
  const chat = createApp();
  chat.authorRename(async (author) => author.toUpperCase());
  chat.onMessage(async (ctx) => {
    await ctx.send({ content: "x", author: "Tool" });
    const stream = await ctx.stream();
    await stream.streamToken("y");
    await stream.endStream();
  });
  const server = await startGateway(t, { hooks: chat.seal() });
  const client = await connectClient(server);
  client.send({ type: "user_message", id: "m", content: "go" });
  assert.equal((await client.until("message_new")).message.author, "TOOL");
  assert.equal((await client.until("stream_start")).message.author, "ASSISTANT");
  await client.close();
});

test("onChatEnd runs exactly once on disconnect, after the running task saw reason disconnect", async (t) => {
  const chat = createApp();
  const log: string[] = [];
  chat.onMessage(async (ctx) => {
    await new Promise<void>((resolve) => ctx.signal.addEventListener("abort", () => resolve(), { once: true }));
    log.push(`task ${abortKind(ctx.signal)}`);
  });
  chat.onChatEnd((ctx) => {
    log.push(`end ${abortKind(ctx.signal)}`);
  });
  const server = await startGateway(t, { hooks: chat.seal() });
  const client = await connectClient(server);
  client.send({ type: "user_message", id: "m", content: "wait" });
  await client.until("task_start");
  await client.close();
  await eventually(() => log.length === 2);
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.deepEqual(log, ["task disconnect", "end disconnect"]);
});

test("steps and nested steps reach the client with their parent", async (t) => {
  const chat = createApp();
  chat.onMessage(async (ctx) => {
    await ctx.step({ name: "outer", type: "run" }, async (outer) => {
      await outer.step({ name: "inner", type: "llm" }, (inner) => {
        inner.output = "ok";
      });
    });
  });
  const server = await startGateway(t, { hooks: chat.seal() });
  const client = await connectClient(server);
  client.send({ type: "user_message", id: "m", content: "go" });
  await client.until("task_end");
  const steps = client.received.flatMap((f) => (f.type === "step" ? [f.step] : []));
  assert.equal(steps.length, 4);
  const outer = steps.find((s) => s.name === "outer");
  const inner = steps.find((s) => s.name === "inner" && s.end !== undefined);
  assert.equal(inner?.parentId, outer?.id);
  assert.equal(inner?.output, "ok");
  await client.close();
});

test("a task past taskTimeoutMs is aborted with reason timeout, and the next task runs", async (t) => {
  const chat = createApp();
  const reasons: (string | undefined)[] = [];
  chat.onMessage(async (ctx, message) => {
    if (message.content === "slow") {
      await new Promise<void>((resolve) => ctx.signal.addEventListener("abort", () => resolve(), { once: true }));
      reasons.push(abortKind(ctx.signal));
      return;
    }
    await ctx.send("fast");
  });
  const server = await startGateway(t, { hooks: chat.seal(), taskTimeoutMs: 50 });
  const client = await connectClient(server);
  client.send({ type: "user_message", id: "a", content: "slow" });
  client.send({ type: "user_message", id: "b", content: "quick" });
  assert.equal((await client.until("message_new")).message.content, "fast");
  assert.deepEqual(reasons, ["timeout"]);
  await client.close();
});
