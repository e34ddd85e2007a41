// The protocol adapter seam: a session driven through `Session` alone — commands in, frames out to a FrameSink —
// with no socket, no gateway and no JSON frame reader, as a socket.io, AG-UI or in-process adapter would drive it.
import assert from "node:assert/strict";
import { test } from "node:test";
import { abortKind } from "../../lib/context/abort.ts";
import { createApp } from "../../lib/hooks/registrars.ts";
import { createRecordingLogger } from "../../lib/logger.ts";
import type { ServerFrame, ServerFrameOf, ServerFrameType } from "../../lib/protocol/server.ts";
import { createSession } from "../../lib/session/live-session.ts";
import type { SessionLimits } from "../../lib/session/session.ts";
import { type FrameSink, GOING_AWAY, REPLACED } from "../../lib/session/sink.ts";

const limits: SessionLimits = {
  reconnectGraceMs: 60_000,
  maxQueuedTasks: 16,
  maxQueuedEvents: 1024,
  maxPendingAsks: 8,
  maxAudioBytes: 1024,
  maxStoreBytes: 1024 * 1024,
  askTimeoutMs: 60_000,
  maxAskTimeoutMs: 24 * 3600 * 1000,
  maxMessageBytes: 512 * 1024,
  maxStreamBytes: 4 * 1024 * 1024,
  taskTimeoutMs: 0,
  editMessages: true,
  endGraceMs: 1000,
  highWaterBytes: 1024 * 1024,
  maxPendingBytes: 8 * 1024 * 1024,
  maxReplayFrames: 1000,
  maxReplayBytes: 1024 * 1024,
  stallTimeoutMs: 30_000,
  maxQueuedTaskBytes: 4 * 1024 * 1024,
  maxQueuedEventBytes: 4 * 1024 * 1024,
  maxQueuedAudioBytes: 8 * 1024 * 1024,
  maxAudioBufferedBytes: 256 * 1024,
  midReply: "queue",
};

/** A client that is only an array: frames as the adapter would read them, and bounded waits. */
class MemorySink implements FrameSink {
  readonly bufferedAmount = 0;
  readonly frames: ServerFrame[] = [];
  closedWith: number | undefined;
  #wake: (() => void) | undefined;

  send(text: string): void {
    this.frames.push(JSON.parse(text) as ServerFrame);
    this.#wake?.();
  }
  onDrain(listener: () => void): void {
    setImmediate(listener);
  }
  close(code: number): void {
    this.closedWith = code;
  }
  /** The `n`th frame of `type` (1 = the first), waiting up to 2 s for it. */
  async nth<T extends ServerFrameType>(type: T, n = 1): Promise<ServerFrameOf<T>> {
    const deadline = Date.now() + 2000;
    for (;;) {
      const found = this.frames.filter((frame): frame is ServerFrameOf<T> => frame.type === type);
      const frame = found[n - 1];
      if (frame !== undefined) return frame;
      if (Date.now() > deadline) throw new Error(`no ${type} #${n}; got ${this.types().join(", ")}`);
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        setTimeout(resolve, 50);
      });
    }
  }
  types(): string[] {
    return this.frames.map((frame) => frame.type);
  }
}

function chatApp() {
  const chat = createApp<{ turns: number }>();
  chat.onChatStart(async (ctx) => {
    await ctx.send({ content: "hello", actions: [{ name: "again", label: "Again" }] });
  });
  chat.onMessage(async (ctx, message) => {
    const turns = (ctx.state.get("turns") ?? 0) + 1;
    ctx.state.set("turns", turns);
    await ctx.send(`#${turns} ${message.content}`);
  });
  chat.actionCallback("again", async (ctx, action) => {
    await ctx.send(`pressed ${action.name}`);
  });
  return chat;
}

test("a session driven by commands alone greets, answers a message and an action, numbering every frame", async () => {
  const session = createSession({ hooks: chatApp().seal(), limits, log: createRecordingLogger() });
  const sink = new MemorySink();
  session.attach(sink, 0);
  session.start();
  const greeting = (await sink.nth("message_new")).message;
  session.receive({ type: "user_message", id: "m1", content: "hi" });
  assert.equal((await sink.nth("message_new", 2)).message.content, "#1 hi");
  session.receive({ type: "action_call", id: "c1", actionId: greeting.actions[0]?.id ?? "" });
  assert.equal((await sink.nth("message_new", 3)).message.content, "pressed again");
  await sink.nth("task_end", 3);
  assert.deepEqual(sink.types(), Array(3).fill(["task_start", "message_new", "task_end"]).flat());
  assert.deepEqual(
    sink.frames.map((frame) => frame.seq),
    sink.frames.map((_, i) => i + 1),
  );
  assert.equal(session.seq, 9);
  await session.end("disconnect");
});

test("a command that cannot be done becomes an error frame about it; receive never throws", async () => {
  const session = createSession({ hooks: chatApp().seal(), limits, log: createRecordingLogger() });
  const sink = new MemorySink();
  session.attach(sink, 0);
  session.receive({ type: "action_call", id: "c9", actionId: "no-such-action" });
  session.receive({ type: "ask_reply", askId: "a9", content: "?" });
  session.receive({ type: "feedback", id: "f9", messageId: "someone-elses-message-id", value: 1 });
  session.receive({ type: "audio_chunk", elapsedTime: 0, data: new Uint8Array(4) });
  await sink.nth("error", 4);
  const errors = sink.frames.filter((frame) => frame.type === "error");
  assert.deepEqual(
    errors.map((frame) => [frame.code, frame.replyTo]),
    [
      ["UNKNOWN_ACTION", "c9"],
      ["UNKNOWN_ASK", "a9"],
      ["UNKNOWN_MESSAGE", "f9"],
      ["AUDIO_NOT_STARTED", undefined],
    ],
  );
  await session.end("disconnect");
});

test("audio arrives as bytes on the event lane, with an event context, and its state machine answers", async () => {
  const chat = createApp();
  const chunks: number[] = [];
  chat.onAudioStart((_ctx, start) => start.mimeType === "audio/webm");
  chat.onAudioChunk((_ctx, chunk) => {
    chunks.push(chunk.data.byteLength);
  });
  chat.onAudioEnd(async (ctx) => {
    await ctx.send(`${chunks.length} chunks`);
  });
  const session = createSession({ hooks: chat.seal(), limits, log: createRecordingLogger() });
  const sink = new MemorySink();
  session.attach(sink, 0);
  session.receive({ type: "audio_start", mimeType: "audio/webm" });
  session.receive({ type: "audio_chunk", elapsedTime: 0, data: new Uint8Array(100) });
  session.receive({ type: "audio_chunk", elapsedTime: 0.1, data: new Uint8Array(200) });
  session.receive({ type: "audio_end" });
  assert.equal((await sink.nth("message_new")).message.content, "2 chunks");
  assert.deepEqual(chunks, [100, 200]);
  assert.deepEqual(
    sink.frames.filter((frame) => frame.type === "audio_state").map((frame) => frame.connected),
    [true, false],
  );
  session.receive({ type: "audio_start", mimeType: "audio/webm" });
  session.receive({ type: "audio_chunk", elapsedTime: 0, data: new Uint8Array(2000) }); // past maxAudioBytes
  assert.equal((await sink.nth("error")).code, "AUDIO_TOO_LARGE");
  await session.end("disconnect");
});

test("a second sink replaces the first (closed with REPLACED) and gets every frame after lastSeq again", async () => {
  const session = createSession({ hooks: chatApp().seal(), limits, log: createRecordingLogger() });
  const first = new MemorySink();
  session.attach(first, 0);
  session.start();
  await first.nth("task_end");
  session.receive({ type: "user_message", id: "m1", content: "hi" });
  await first.nth("task_end", 2);
  const second = new MemorySink();
  session.attach(second, 3);
  assert.equal(first.closedWith, REPLACED);
  assert.deepEqual(second.types(), ["task_start", "message_new", "task_end"]);
  assert.deepEqual(
    second.frames.map((frame) => frame.seq),
    [4, 5, 6],
  );
  session.disconnect(first, true); // the replaced connection closing does not end the session
  assert.equal(session.ended, false);
  session.disconnect(second, false); // a dropped connection: the session waits for a resume
  assert.equal(session.attached, false);
  assert.equal(session.ended, false);
  await session.end("disconnect");
});

test("ending with shutdown tells the sink to go elsewhere; onChatEnd gets the event context, aborted", async () => {
  const chat = createApp();
  const why: (string | undefined)[] = [];
  chat.onChatEnd((ctx) => {
    why.push(abortKind(ctx.signal));
  });
  const ended: string[] = [];
  const session = createSession({
    hooks: chat.seal(),
    limits,
    log: createRecordingLogger(),
    registry: { delete: (gone) => ended.push(gone.id) },
  });
  const sink = new MemorySink();
  session.attach(sink, 0);
  await session.end("shutdown");
  assert.equal(sink.frames.at(-1)?.type, "shutdown");
  assert.equal(sink.frames.at(-1)?.seq, 0);
  assert.equal(sink.closedWith, GOING_AWAY);
  assert.deepEqual(why, ["shutdown"]);
  assert.deepEqual(ended, [session.id]);
  assert.equal(session.ended, true);
});
