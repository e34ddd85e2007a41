// Sessions that survive the network: a dropped connection resumes the same live session with nothing lost.
import assert from "node:assert/strict";
import type { Socket } from "node:net";
import { test } from "node:test";
import { abortKind, createApp } from "chatwire";
import type { ServerFrame } from "chatwire/protocol";
import { connectClient, type TestClient } from "chatwire/testing";
import { SLOW_CONSUMER } from "../../lib/session/sink.ts";
import { eventually, pause, startGateway } from "../support/gateway.ts";

const resumeOf = (client: TestClient & { welcome?: { sessionId: string; resumeToken: string } }) => ({
  sessionId: client.welcome?.sessionId ?? "",
  resumeToken: client.welcome?.resumeToken ?? "",
  lastSeq: client.lastSeq,
});

const tokensOf = (frames: ServerFrame[]) => frames.flatMap((f) => (f.type === "stream_token" ? [f.token] : []));

test("a connection dropped mid-stream of 10,000 tokens resumes with every token once, in order", async (t) => {
  const chat = createApp();
  let starts = 0;
  chat.onChatStart(() => {
    starts++;
  });
  chat.onMessage(async (ctx) => {
    const reply = await ctx.stream();
    for (let i = 1; i <= 10_000; i++) {
      await reply.streamToken(`${i} `);
      if (i % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await reply.endStream();
  });
  const server = await startGateway(t, { hooks: chat.seal() });
  const first = await connectClient(server);
  first.send({ type: "user_message", id: "m", content: "stream" });
  await eventually(() => tokensOf(first.received).length >= 1500, 5000);
  await first.drop();
  const before = first.received.filter((f) => f.type !== "welcome");

  const second = await connectClient(server, { resume: resumeOf(first) });
  t.after(() => second.close());
  assert.equal(second.welcome?.resumed, true);
  assert.equal(second.welcome?.sessionId, first.welcome?.sessionId);
  const end = await second.until("stream_end", 10_000);
  const after = second.received.filter((f) => f.type !== "welcome");

  const seqs = [...before, ...after].map((f) => f.seq);
  assert.deepEqual(
    seqs,
    seqs.map((_, i) => i + 1),
    "every seq exactly once, in order",
  );
  const expected = Array.from({ length: 10_000 }, (_, i) => `${i + 1} `).join("");
  assert.equal([...tokensOf(before), ...tokensOf(after)].join(""), expected);
  assert.equal(end.content, expected);
  assert.equal(starts, 1, "onChatStart is not called again on a resume");
});

test("the task keeps running while the client is away, and the session store is intact", async (t) => {
  const chat = createApp<{ note: string }>();
  chat.onMessage(async (ctx, message) => {
    if (message.content === "set") {
      ctx.state.set("note", "kept");
      await pause(100);
      await ctx.send("finished while you were away");
      return;
    }
    await ctx.send(`note is ${ctx.state.get("note")}`);
  });
  const server = await startGateway(t, { hooks: chat.seal() });
  const first = await connectClient(server);
  first.send({ type: "user_message", id: "m1", content: "set" });
  await first.until("task_start");
  await first.drop();
  await pause(200);
  const second = await connectClient(server, { resume: resumeOf(first) });
  t.after(() => second.close());
  assert.equal((await second.until("message_new")).message.content, "finished while you were away");
  second.send({ type: "user_message", id: "m2", content: "get" });
  assert.equal((await second.until("message_new")).message.content, "note is kept");
});

test("a resume after the grace period gets resume_failed expired, then a new session; onChatEnd ran once", async (t) => {
  const chat = createApp();
  const ended: (string | undefined)[] = [];
  chat.onChatEnd((ctx) => {
    ended.push(abortKind(ctx.signal));
  });
  const server = await startGateway(t, { hooks: chat.seal(), reconnectGraceMs: 50 });
  const first = await connectClient(server);
  await first.drop();
  await eventually(() => ended.length === 1);
  const second = await connectClient(server, { resume: resumeOf(first) });
  t.after(() => second.close());
  const failed = second.received.find((f) => f.type === "resume_failed");
  assert.equal(failed?.type === "resume_failed" && failed.reason, "expired");
  assert.equal(second.welcome?.resumed, false);
  assert.notEqual(second.welcome?.sessionId, first.welcome?.sessionId);
  await pause(100);
  assert.deepEqual(ended, ["disconnect"]);
});

test("a resume from before the replay buffer's oldest frame gets resume_failed overflow, never a gap", async (t) => {
  const chat = createApp();
  let ends = 0;
  chat.onMessage(async (ctx, message) => {
    await ctx.send(message.content);
  });
  chat.onChatEnd(() => {
    ends++;
  });
  const server = await startGateway(t, { hooks: chat.seal(), maxReplayFrames: 5 });
  const first = await connectClient(server, { ackEvery: 0 });
  for (let i = 0; i < 5; i++) first.send({ type: "user_message", id: `m${i}`, content: `${i}` });
  for (let i = 0; i < 5; i++) await first.until("task_end");
  await first.drop();
  const second = await connectClient(server, { resume: { ...resumeOf(first), lastSeq: 1 } });
  t.after(() => second.close());
  const failed = second.received.find((f) => f.type === "resume_failed");
  assert.equal(failed?.type === "resume_failed" && failed.reason, "overflow");
  await eventually(() => ends === 1);
});

test("a resume with the wrong token is refused as forbidden and the session stays resumable", async (t) => {
  const chat = createApp();
  const server = await startGateway(t, { hooks: chat.seal() });
  const first = await connectClient(server);
  await first.drop();
  const thief = await connectClient(server, { resume: { ...resumeOf(first), resumeToken: "x".repeat(32) } });
  const failed = thief.received.find((f) => f.type === "resume_failed");
  assert.equal(failed?.type === "resume_failed" && failed.reason, "forbidden");
  assert.notEqual(thief.welcome?.sessionId, first.welcome?.sessionId);
  await thief.close();
  const owner = await connectClient(server, { resume: resumeOf(first) });
  assert.equal(owner.welcome?.resumed, true);
  await owner.close();
});

test("a client that stops reading is closed as a slow consumer (4008) with server memory bounded", async (t) => {
  const chat = createApp();
  const produced: number[] = [];
  let why: string | undefined;
  const token = "x".repeat(64 * 1024);
  chat.onMessage(async (ctx) => {
    const reply = await ctx.stream();
    let bytes = 0;
    // Deliberately ignores backpressure (never awaits): only the outbox's limits keep memory bounded.
    for (let i = 0; i < 3200 && !ctx.signal.aborted; i++) {
      void reply.streamToken(token);
      bytes += token.length;
      if (i % 16 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    produced.push(bytes);
    why = abortKind(ctx.signal);
  });
  const server = await startGateway(t, {
    hooks: chat.seal(),
    maxStreamBytes: 1024 ** 3, // flow control under test, not the length of one answer
    maxPendingBytes: 4 * 1024 * 1024,
    stallTimeoutMs: 200,
    reconnectGraceMs: 60_000,
  });
  const client = await connectClient(server);
  const closes: number[] = [];
  void client.closed.then((code) => closes.push(code));
  client.socket.pause();
  global.gc?.();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 5);
  client.send({ type: "user_message", id: "m", content: "flood" });
  await eventually(() => produced.length === 1, 15_000);
  clearInterval(sampler);
  client.socket.resume();
  assert.ok([4008, 1006].includes(await client.closed), `closed with ${closes}`);
  const grewMiB = (peak - baseline) / 2 ** 20;
  assert.ok(grewMiB < 150, `server RSS grew ${grewMiB.toFixed(0)} MiB while a 200 MiB stream was attempted`);
  assert.ok((produced[0] ?? 0) < 200 * 2 ** 20, "the producer was stopped before the end");
  assert.equal(why, "disconnect", "a producer that ignores backpressure overflows the detached session, which ends");
});

test("a client that stops reading is closed (4008) while the handler waits, then resumes with every token", async (t) => {
  const chat = createApp();
  const token = "z".repeat(1024);
  // The handler streams until the test has seen the server fall behind: how much the kernel's socket buffers take
  // before that varies (TCP autotuning: ~3.7 MB on loopback here), so no fixed length is sure to get there.
  let stop = false;
  let sent = 0;
  t.after(() => {
    stop = true;
  });
  chat.onMessage(async (ctx) => {
    const reply = await ctx.stream();
    while (!stop) {
      await reply.streamToken(token);
      sent++;
    }
    await reply.endStream();
  });
  const server = await startGateway(t, {
    hooks: chat.seal(),
    maxStreamBytes: 1024 ** 3, // flow control under test, not the length of one answer
    highWaterBytes: 64 * 1024,
    stallTimeoutMs: 200,
    reconnectGraceMs: 60_000,
  });
  // The server's end of each WebSocket connection, to see when the server is behind.
  const serverSockets: Socket[] = [];
  server.server.on("upgrade", (_request, socket: Socket) => serverSockets.push(socket));
  const first = await connectClient(server, { ackEvery: 0 });
  first.send({ type: "user_message", id: "m", content: "go" });
  await first.until("stream_token");
  first.socket.pause();
  // Paused until the server is behind (its socket holds highWaterBytes the kernel will not take), then for several
  // stall timeouts: the server's stall timer, set before this pause's, gives up on the socket first. The handler
  // stops producing then, so that the detached session's outbox stays within its budget.
  await eventually(() => (serverSockets[0]?.writableLength ?? 0) >= 64 * 1024, 20_000);
  stop = true;
  await pause(1000);
  first.socket.resume();
  const code = await Promise.race([first.closed, pause(15_000).then(() => -1)]); // -1: not closed within 15 s
  assert.ok([SLOW_CONSUMER, 1006].includes(code), `closed with ${code}`);
  const second = await connectClient(server, { resume: resumeOf(first) });
  t.after(() => second.close());
  assert.equal(second.welcome?.resumed, true, "a slow consumer's session stays resumable");
  const end = await second.until("stream_end", 15_000);
  const frames = [...first.received, ...second.received].filter((f) => f.seq > 0);
  assert.deepEqual(
    frames.map((f) => f.seq),
    frames.map((_, i) => i + 1),
    "every seq once, in order, across both connections",
  );
  assert.equal(tokensOf(frames).join("").length, sent * token.length);
  assert.equal(end.content.length, sent * token.length);
});

test("a session whose grace period passes aborts its running task (disconnect) and ends once", async (t) => {
  const chat = createApp();
  const aborted: (string | undefined)[] = [];
  let ends = 0;
  chat.onMessage(async (ctx) => {
    await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve, { once: true }));
    aborted.push(abortKind(ctx.signal));
  });
  chat.onChatEnd(() => {
    ends++;
  });
  const server = await startGateway(t, { hooks: chat.seal(), reconnectGraceMs: 100 });
  const client = await connectClient(server);
  client.send({ type: "user_message", id: "m", content: "wait for ever" });
  await client.until("task_start");
  await client.drop();
  await eventually(() => ends === 1, 5000);
  assert.deepEqual(aborted, ["disconnect"]);
  await pause(200);
  assert.equal(ends, 1);
});

test("a handler that awaits streamToken is slowed to the client's pace and sends everything", async (t) => {
  const chat = createApp();
  const token = "y".repeat(16 * 1024);
  chat.onMessage(async (ctx) => {
    const reply = await ctx.stream();
    for (let i = 0; i < 400; i++) await reply.streamToken(token);
    await reply.endStream();
  });
  const server = await startGateway(t, { hooks: chat.seal(), highWaterBytes: 256 * 1024, maxStreamBytes: 1024 ** 3 });
  const client = await connectClient(server);
  t.after(() => client.close());
  client.send({ type: "user_message", id: "m", content: "go" });
  const end = await client.until("stream_end", 15_000);
  assert.equal(end.content.length, 400 * token.length);
  assert.equal(tokensOf(client.received).join("").length, 400 * token.length);
});
