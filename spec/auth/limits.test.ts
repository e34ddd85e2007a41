// Hostile-input limits: each one configurable, each with its own error code, and the session survives it.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createApp, isChatwireError } from "chatwire";
import { encodeAudioChunk } from "chatwire/protocol";
import { connectClient } from "chatwire/testing";
import { eventually, pause, startGateway } from "../support/gateway.ts";

test("frames beyond maxFramesPerSecond are dropped with one RATE_LIMITED error; the session recovers", async (t) => {
  const chat = createApp();
  let handled = 0;
  chat.onWindowMessage(() => {
    handled++;
  });
  chat.onMessage(async (ctx) => {
    await ctx.send("still here");
  });
  const server = await startGateway(t, { hooks: chat.seal(), maxFramesPerSecond: 20 });
  const client = await connectClient(server);
  for (let i = 0; i < 200; i++) client.send({ type: "window_message", data: i });
  assert.equal((await client.until("error")).code, "RATE_LIMITED");
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.ok(handled >= 39 && handled <= 50, `handled ${handled} of 200 (burst 40)`);
  assert.equal(client.received.filter((f) => f.type === "error").length, 1);
  client.send({ type: "user_message", id: "m", content: "hi" });
  assert.equal((await client.until("message_new")).message.content, "still here");
  await client.close();
});

test("one user holds at most maxSessionsPerUser sessions (TOO_MANY_SESSIONS, close 4429)", async (t) => {
  const chat = createApp();
  chat.headerAuth((headers) => ({ identifier: String(headers["x-user"]) }));
  const server = await startGateway(t, { hooks: chat.seal(), maxSessionsPerUser: 2 });
  const headers = { "x-user": "dan" };
  const first = await connectClient(server, { headers });
  const second = await connectClient(server, { headers });
  const third = await connectClient(server, { headers, hello: false });
  third.send({ type: "hello", protocol: 1 });
  const refusal = await third.next();
  assert.equal(refusal.type === "error" && refusal.code, "TOO_MANY_SESSIONS");
  assert.equal(await third.closed, 4429);
  const other = await connectClient(server, { headers: { "x-user": "eve" } });
  await Promise.all([first.close(), second.close(), other.close()]);
  const again = await connectClient(server, { headers });
  assert.equal(again.welcome?.type, "welcome");
  await again.close();
});

test("asks beyond maxPendingAsks reject with ASK_LIMIT", async (t) => {
  const chat = createApp();
  chat.onMessage(async (ctx) => {
    const asks = [ctx.askText("one"), ctx.askText("two")];
    for (const ask of asks) ask.catch(() => {});
    await ctx.askText("three");
  });
  const server = await startGateway(t, { hooks: chat.seal(), maxPendingAsks: 2 });
  const client = await connectClient(server);
  client.send({ type: "user_message", id: "m", content: "ask a lot" });
  const error = await client.until("error");
  assert.equal(error.code, "ASK_LIMIT");
  assert.equal(error.replyTo, "m");
  await client.close();
});

test("a recording beyond maxAudioBytes is stopped with AUDIO_TOO_LARGE", async (t) => {
  const chat = createApp();
  let bytes = 0;
  let ended = 0;
  chat.onAudioChunk((_ctx, chunk) => {
    bytes += chunk.data.byteLength;
  });
  chat.onAudioEnd(() => {
    ended++;
  });
  const server = await startGateway(t, { hooks: chat.seal(), maxAudioBytes: 1000 });
  const client = await connectClient(server);
  client.send({ type: "audio_start", mimeType: "audio/webm" });
  for (let i = 0; i < 5; i++) client.send(encodeAudioChunk(i, new Uint8Array(400)));
  client.send({ type: "audio_end" });
  const states: boolean[] = [];
  while (states.length < 2) states.push((await client.until("audio_state")).connected);
  assert.deepEqual(states, [true, false], "the recording ended cleanly");
  const error = await client.until("error");
  assert.equal(error.code, "AUDIO_TOO_LARGE");
  await eventually(() => ended === 1);
  assert.equal(bytes, 800, "chunks within the limit were delivered");
  await pause(50);
  assert.equal(ended, 1, "onAudioEnd ran once");
  assert.deepEqual(
    client.received.filter((frame) => frame.type === "error").map((frame) => frame.code),
    ["AUDIO_TOO_LARGE", "AUDIO_NOT_STARTED", "AUDIO_NOT_STARTED", "AUDIO_NOT_STARTED"],
    "later chunks and the audio_end of the stopped recording are refused",
  );
  await client.close();
});

test("a session store beyond maxStoreBytes throws STORE_FULL to the app and keeps its old value", async (t) => {
  const chat = createApp<{ blob: string }>();
  chat.onMessage(async (ctx, message) => {
    try {
      ctx.state.set("blob", "x".repeat(Number(message.content)));
      await ctx.send(`stored ${ctx.state.get("blob")?.length}`);
    } catch (error) {
      await ctx.send(`${isChatwireError(error) ? error.code : "?"}, kept ${ctx.state.get("blob")?.length}`);
    }
  });
  const server = await startGateway(t, { hooks: chat.seal(), maxStoreBytes: 1000 });
  const client = await connectClient(server);
  client.send({ type: "user_message", id: "a", content: "500" });
  assert.equal((await client.until("message_new")).message.content, "stored 500");
  client.send({ type: "user_message", id: "b", content: "5000" });
  assert.equal((await client.until("message_new")).message.content, "STORE_FULL, kept 500");
  await client.close();
});

test("waiting messages and window messages are bounded in bytes: QUEUE_FULL past maxQueued{Task,Event}Bytes", async (t) => {
  const chat = createApp();
  let release = () => {};
  const blocked = new Promise<void>((resolve) => {
    release = resolve;
  });
  const ran: string[] = [];
  chat.onMessage(async (_ctx, message) => {
    if (message.content === "block") await blocked;
    ran.push(`m${message.content.length}`);
  });
  chat.onWindowMessage(async (_ctx, data) => {
    await blocked;
    ran.push(`w${String(data).length}`);
  });
  const server = await startGateway(t, {
    hooks: chat.seal(),
    maxQueuedTaskBytes: 250_000,
    maxQueuedEventBytes: 250_000,
  });
  const client = await connectClient(server);
  client.send({ type: "user_message", id: "block", content: "block" });
  await client.until("task_start");
  const big = "x".repeat(100_000);
  for (let i = 1; i <= 4; i++) client.send({ type: "user_message", id: `m${i}`, content: big });
  const full = await client.until("error");
  assert.equal(full.code, "QUEUE_FULL");
  assert.equal(full.replyTo, "m3", "two messages of 100 kB fit in 250 kB, the third does not");
  assert.equal((await client.until("error")).replyTo, "m4");
  client.send({ type: "window_message", id: "w0", data: "block" }); // runs at once, waits on `blocked`
  for (let i = 1; i <= 4; i++) client.send({ type: "window_message", id: `w${i}`, data: big });
  const eventFull = await client.until("error");
  assert.equal(eventFull.code, "QUEUE_FULL");
  assert.equal(eventFull.replyTo, "w3");
  release();
  await eventually(() => ran.length === 6);
  assert.deepEqual(ran.sort(), ["m100000", "m100000", "m5", "w100000", "w100000", "w5"].sort());
  await client.close();
});
