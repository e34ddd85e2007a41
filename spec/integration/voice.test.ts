// Output audio end to end: binary chunks after their track's announcement, in order with the reply's text; the
// app's interrupt; barge-in; the slow-client budget; and what a resume does with audio.
import assert from "node:assert/strict";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { createApp, isChatwireError } from "chatwire";
import { encodeAudioChunk } from "chatwire/protocol";
import { connectClient, type TestClient } from "chatwire/testing";
import { eventually, startGateway } from "../support/gateway.ts";

const pcm = (samples: number, value = 1000) => new Uint8Array(new Int16Array(samples).fill(value).buffer);
const resumeOf = (client: TestClient & { welcome?: { sessionId: string; resumeToken: string } }) => ({
  sessionId: client.welcome?.sessionId ?? "",
  resumeToken: client.welcome?.resumeToken ?? "",
  lastSeq: client.lastSeq,
});

test("a reply's text, then its track's audio_output, then its chunks as binary frames in order", async (t) => {
  const chat = createApp();
  chat.onMessage(async (ctx) => {
    await ctx.send("speaking");
    for (let i = 1; i <= 5; i++) ctx.audio.send(pcm(240, i), { track: "reply", sampleRate: 24000 });
  });
  const server = await startGateway(t, { hooks: chat.seal() });
  const client = await connectClient(server);
  client.send({ type: "user_message", id: "m1", content: "hi" });
  const said = await client.until("message_new");
  const announced = await client.until("audio_output");
  assert.deepEqual(
    { track: announced.track, mimeType: announced.mimeType, sampleRate: announced.sampleRate },
    { track: "reply", mimeType: "audio/pcm", sampleRate: 24000 },
  );
  await eventually(() => client.audio.length === 5);
  assert.deepEqual(
    client.audio.map((chunk) => new Int16Array(chunk.data.slice().buffer)[0]),
    [1, 2, 3, 4, 5],
  );
  assert.ok(client.audio.every((chunk) => chunk.track === "reply" && chunk.data.byteLength === 480));
  assert.ok(client.audio.every((chunk) => chunk.afterSeq >= announced.seq && announced.seq > said.seq));
  assert.equal(client.received.filter((frame) => frame.type === "audio_output").length, 1, "announced once");
  await client.close();
});

test("bad output arguments throw BAD_AUDIO to the app; the session goes on", async (t) => {
  const chat = createApp();
  chat.onMessage(async (ctx, message) => {
    const bad: Record<string, () => unknown> = {
      odd: () => ctx.audio.send(new Uint8Array(3), { sampleRate: 24000 }),
      rate: () => ctx.audio.send(pcm(10)),
      mime: () => ctx.audio.send(pcm(10), { mimeType: "text/plain", sampleRate: 24000 }),
      empty: () => ctx.audio.send(new Uint8Array(0), { mimeType: "audio/mpeg" }),
      big: () => ctx.audio.send(new Uint8Array(2000), { mimeType: "audio/mpeg" }),
      bytes: () => ctx.audio.send("hello" as unknown as Uint8Array, { mimeType: "audio/mpeg" }),
    };
    const codes = Object.entries(bad).map(([name, call]) => {
      try {
        call();
        return `${name}:sent`;
      } catch (error) {
        return `${name}:${isChatwireError(error) ? error.code : "?"}`;
      }
    });
    await ctx.send(codes.join(" "));
    if (message.content === "throw") ctx.audio.send(pcm(1).subarray(1), { sampleRate: 24000 });
  });
  const server = await startGateway(t, { hooks: chat.seal(), maxAudioBufferedBytes: 1000 });
  const client = await connectClient(server);
  client.send({ type: "user_message", id: "m1", content: "throw" });
  const reply = await client.until("message_new");
  assert.equal(
    reply.message.content,
    "odd:BAD_AUDIO rate:BAD_AUDIO mime:BAD_AUDIO empty:BAD_AUDIO big:BAD_AUDIO bytes:BAD_AUDIO",
  );
  const error = await client.until("error");
  assert.equal(error.code, "BAD_AUDIO", "an escaped BAD_AUDIO keeps its code");
  assert.equal(error.replyTo, "m1");
  client.send({ type: "user_message", id: "m2", content: "again" });
  assert.match((await client.until("message_new")).message.content, /^odd:BAD_AUDIO/);
  assert.equal(client.audio.length, 0);
  await client.close();
});

test("ctx.audio.interrupt sends audio_interrupt for its track; later chunks play again", async (t) => {
  const chat = createApp();
  chat.onMessage(async (ctx) => {
    ctx.audio.send(pcm(100), { track: "a", sampleRate: 16000 });
    ctx.audio.interrupt("a");
    ctx.audio.send(pcm(100, 7), { track: "a", sampleRate: 16000 });
  });
  const server = await startGateway(t, { hooks: chat.seal() });
  const client = await connectClient(server);
  client.send({ type: "user_message", id: "m1", content: "go" });
  const interrupt = await client.until("audio_interrupt");
  assert.deepEqual({ track: interrupt.track, reason: interrupt.reason }, { track: "a", reason: "app" });
  await eventually(() => client.audio.length === 2);
  assert.ok((client.audio[0]?.afterSeq ?? 99) < interrupt.seq, "the first chunk went before the interrupt");
  assert.ok((client.audio[1]?.afterSeq ?? 0) >= interrupt.seq, "the second after it");
  await client.close();
});

test("barge-in: audio_start while output plays interrupts it, the speech loop stops, the app is told", async (t) => {
  const chat = createApp();
  const starts: boolean[] = [];
  let loopEnded = false;
  chat.onMessage(async (ctx) => {
    // A speech loop ahead of real time (200 ms of audio every 20 ms), as a TTS stream is; it stops when send
    // refuses. Paced at exactly real time, a late timer on a loaded machine would let the audio "finish" before
    // the user speaks, and there would be nothing to barge in on.
    while (ctx.audio.send(pcm(4800), { track: "tts", sampleRate: 24000 })) await sleep(20);
    loopEnded = true;
  });
  chat.onAudioStart((_ctx, start) => {
    starts.push(start.interrupted);
    return true;
  });
  chat.onAudioEnd((ctx) => {
    ctx.audio.send(pcm(480, 9), { track: "tts", sampleRate: 24000 });
  });
  const server = await startGateway(t, { hooks: chat.seal() });
  const client = await connectClient(server);
  client.send({ type: "user_message", id: "m1", content: "talk" });
  await eventually(() => client.audio.length >= 3);
  client.send({ type: "audio_start", mimeType: "audio/webm" });
  const interrupt = await client.until("audio_interrupt");
  assert.equal(interrupt.reason, "barge_in");
  assert.equal(interrupt.track, undefined, "every track");
  await client.until("task_end");
  assert.ok(loopEnded, "the speech loop saw send() return false and ended");
  await eventually(() => starts.length === 1);
  assert.deepEqual(starts, [true]);
  const before = client.audio.length;
  assert.ok(
    client.audio.every((chunk) => chunk.afterSeq < interrupt.seq),
    "no chunk after the interrupt",
  );
  client.send(encodeAudioChunk(0, new Uint8Array(10)));
  client.send({ type: "audio_end" });
  await eventually(() => client.audio.length === before + 1);
  assert.equal(new Int16Array(client.audio.at(-1)?.data.slice().buffer ?? new ArrayBuffer(2))[0], 9);
  // A second recording while nothing plays is no barge-in.
  await sleep(50);
  client.send({ type: "audio_start", mimeType: "audio/webm" });
  await eventually(() => starts.length === 2);
  assert.deepEqual(starts, [true, false]);
  await client.close();
});

test("a client that does not read: chunks past maxAudioBufferedBytes are dropped with one audio_dropped", async (t) => {
  const chat = createApp();
  const results: boolean[] = [];
  chat.onMessage(async (ctx) => {
    for (let i = 0; i < 400; i++) results.push(ctx.audio.send(pcm(16 * 1024), { sampleRate: 24000 }));
    await ctx.send("done");
  });
  const server = await startGateway(t, { hooks: chat.seal(), maxAudioBufferedBytes: 64 * 1024 });
  const client = await connectClient(server);
  const raw = (client.socket as unknown as { _socket: import("node:net").Socket })._socket;
  raw.pause();
  client.send({ type: "user_message", id: "m1", content: "flood" });
  await eventually(() => results.length === 400, 5000);
  raw.resume();
  await client.until("message_new", 5000);
  const dropped = client.received.filter((frame) => frame.type === "audio_dropped");
  assert.ok(results.includes(false), "some chunks were refused");
  assert.equal(dropped.length >= 1, true);
  assert.equal(dropped[0]?.type === "audio_dropped" && dropped[0].reason, "slow_client");
  assert.ok(dropped.length <= results.filter((sent, i) => !sent && results[i - 1] !== false).length, "one per run");
  assert.equal(client.audio.length, results.filter(Boolean).length, "what send() accepted arrived, no more");
  assert.ok(client.audio.length < 400);
  await client.close();
});

test("a resume: audio sent while detached is dropped, not replayed; the client learns of the gap", async (t) => {
  const chat = createApp();
  const results: boolean[] = [];
  let release = () => {};
  const dropped = new Promise<void>((resolve) => {
    release = resolve;
  });
  chat.onMessage(async (ctx, message) => {
    results.push(ctx.audio.send(pcm(100), { track: "r", sampleRate: 16000 }));
    await ctx.send(`sent ${message.content}`);
    if (message.content !== "1") return;
    await dropped; // the connection is gone now: the next chunks have nowhere to go
    results.push(ctx.audio.send(pcm(100), { track: "r", sampleRate: 16000 }));
    results.push(ctx.audio.send(pcm(100), { track: "r", sampleRate: 16000 }));
  });
  const server = await startGateway(t, { hooks: chat.seal() });
  const first = await connectClient(server);
  first.send({ type: "user_message", id: "m1", content: "1" });
  await first.until("message_new");
  await eventually(() => first.audio.length === 1);
  const resume = resumeOf(first);
  await first.drop();
  await sleep(200); // the server sees the socket close
  release();
  await eventually(() => results.length === 3);
  assert.deepEqual(results, [true, false, false]);
  const second = await connectClient(server, { resume });
  assert.equal(second.welcome?.resumed, true);
  const gap = await second.until("audio_dropped");
  assert.deepEqual({ track: gap.track, reason: gap.reason }, { track: "r", reason: "detached" });
  assert.equal(second.received.filter((frame) => frame.type === "audio_dropped").length, 1, "one per run");
  second.send({ type: "user_message", id: "m2", content: "2" });
  await second.until("message_new");
  const announced = second.received.filter((frame) => frame.type === "audio_output");
  assert.equal(announced.length, 1, "the track is announced again on the new connection");
  await eventually(() => second.audio.length === 1);
  assert.ok((second.audio[0]?.afterSeq ?? 0) >= (announced[0]?.seq ?? 1), "after its announcement");
  await second.close();
});
