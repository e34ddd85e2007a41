// The outbox's bookkeeping, driven through a sink whose buffer the test fills and drains by hand: acks free the
// replay buffer, both replay limits hold, tokens coalesce while behind, and a new socket's drain is awaited.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { OutgoingFrame } from "../../lib/protocol/server.ts";
import { COALESCE_BYTES, Outbox, type OutboxLimits } from "../../lib/session/outbox.ts";
import { type FrameSink, SLOW_CONSUMER } from "../../lib/session/sink.ts";

/** A socket stand-in: `bufferedAmount` is whatever the test says; `drain()` fires the waiting listeners. */
class HandSink implements FrameSink {
  bufferedAmount = 0;
  readonly sent: { seq: number; type: string; token?: string; content?: string }[] = [];
  closedWith: number | undefined;
  #listeners: (() => void)[] = [];
  send(text: string): void {
    this.sent.push(JSON.parse(text));
  }
  onDrain(listener: () => void): void {
    this.#listeners.push(listener);
  }
  close(code: number): void {
    this.closedWith = code;
  }
  drain(): void {
    this.bufferedAmount = 0;
    for (const listener of this.#listeners.splice(0)) listener();
  }
}

const limits: OutboxLimits = {
  highWaterBytes: 1000,
  maxPendingBytes: 10_000,
  maxReplayFrames: 100,
  maxReplayBytes: 100_000,
  stallTimeoutMs: 60_000,
};

const message = (content: string): OutgoingFrame => ({
  type: "message_new",
  message: { id: "m", author: "A", role: "assistant", content, createdAt: "", actions: [] },
});
const token = (text: string): OutgoingFrame => ({ type: "stream_token", id: "s", token: text });

function outboxOf(overrides: Partial<OutboxLimits> = {}) {
  const events = { overflows: 0, slows: 0 };
  const outbox = new Outbox(
    { ...limits, ...overrides },
    {
      onOverflow: () => events.overflows++,
      onSlowConsumer: () => {
        events.slows++;
        outbox.detach();
      },
    },
  );
  return { outbox, events };
}

test("an ack frees the replay buffer: a resume from before it is refused, after it replays only the rest", () => {
  const { outbox } = outboxOf();
  const first = new HandSink();
  outbox.attach(first, 0);
  for (let i = 1; i <= 6; i++) outbox.push(message(`m${i}`));
  outbox.ack(4);
  outbox.detach();
  assert.equal(outbox.canResume(3), false, "frames up to 4 are gone");
  assert.equal(outbox.canResume(4), true);
  const second = new HandSink();
  outbox.attach(second, 4);
  assert.deepEqual(
    second.sent.map((f) => f.seq),
    [5, 6],
  );
});

test("the replay buffer drops its oldest frames beyond maxReplayBytes", () => {
  const { outbox } = outboxOf({ maxReplayBytes: 600 });
  outbox.attach(new HandSink(), 0);
  for (let i = 1; i <= 10; i++) outbox.push(message("x".repeat(100)));
  assert.equal(outbox.canResume(0), false, "the first frames were dropped to stay under 600 bytes");
  assert.equal(outbox.canResume(9), true, "the newest are kept");
  const replayed = new HandSink();
  outbox.detach();
  outbox.attach(replayed, 9);
  assert.deepEqual(
    replayed.sent.map((f) => f.seq),
    [10],
  );
});

test("stream tokens queued while the socket is behind leave as one frame, in order", () => {
  const { outbox } = outboxOf();
  const sink = new HandSink();
  outbox.attach(sink, 0);
  sink.bufferedAmount = 5000; // behind: above highWaterBytes
  for (const t of ["a", "b", "c", "d"]) outbox.push(token(t));
  outbox.push(message("after"));
  assert.equal(sink.sent.length, 0, "nothing is written while behind");
  sink.drain();
  assert.deepEqual(
    sink.sent.map((f) => [f.seq, f.type, f.token ?? f.content]),
    [
      [1, "stream_token", "abcd"],
      [2, "message_new", undefined],
    ],
  );
});

test("a producer that awaits push is held while behind and released when the socket drains", async () => {
  const { outbox } = outboxOf({ highWaterBytes: 10 });
  const sink = new HandSink();
  outbox.attach(sink, 0);
  sink.bufferedAmount = 100;
  let released = false;
  const waiting = outbox.push(message("x".repeat(50)));
  assert.ok(waiting instanceof Promise, "a push above the high-water mark makes the producer wait");
  void waiting.then(() => {
    released = true;
  });
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(released, false);
  sink.drain();
  await waiting;
  assert.equal(released, true);
  assert.equal(sink.sent.length, 1);
});

test("after a reconnect the new socket's drain is awaited, even if the old one was behind when it went", async () => {
  const { outbox } = outboxOf({ highWaterBytes: 10 });
  const old = new HandSink();
  outbox.attach(old, 0);
  old.bufferedAmount = 100;
  void outbox.push(message("held while the old socket was behind"));
  outbox.detach(); // the old socket never drains: it is gone
  const fresh = new HandSink();
  fresh.bufferedAmount = 100;
  outbox.attach(fresh, 0);
  const waiting = outbox.push(message("next"));
  fresh.drain();
  await waiting;
  assert.deepEqual(
    fresh.sent.map((f) => f.seq),
    [1, 2],
  );
});

test("a client too far behind is closed as a slow consumer and its session can still be resumed", () => {
  const { outbox, events } = outboxOf({ maxPendingBytes: 2000 });
  const sink = new HandSink();
  outbox.attach(sink, 0);
  sink.bufferedAmount = 5000;
  for (let i = 0; i < 30 && outbox.attached; i++) void outbox.push(message("x".repeat(100)));
  assert.equal(sink.closedWith, SLOW_CONSUMER);
  assert.equal(events.slows, 1);
  assert.equal(outbox.attached, false);
  void outbox.push(message("one more while detached"));
  assert.equal(events.overflows, 0, "the detached session has a fresh budget of maxPendingBytes");
  assert.equal(outbox.canResume(0), true);
  const back = new HandSink();
  outbox.attach(back, 0);
  assert.ok(back.sent.length >= 2, "the held frames are sent to the resumed client");
  assert.deepEqual(
    back.sent.map((f) => f.seq),
    back.sent.map((_, i) => i + 1),
  );
});

test("a detached session that holds more than maxPendingBytes overflows once and cannot be resumed", () => {
  const { outbox, events } = outboxOf({ maxPendingBytes: 500 });
  outbox.attach(new HandSink(), 0);
  outbox.detach();
  for (let i = 0; i < 20; i++) void outbox.push(message("x".repeat(100)));
  assert.equal(events.overflows, 1);
  assert.equal(outbox.canResume(0), false);
});

test("tokens coalesce once the socket holds COALESCE_BYTES, long before highWaterBytes; the stall clock waits for it", async () => {
  const { outbox, events } = outboxOf({
    highWaterBytes: 1024 * 1024,
    maxPendingBytes: 8 * 1024 * 1024,
    stallTimeoutMs: 1,
  });
  const sink = new HandSink();
  outbox.attach(sink, 0);
  sink.bufferedAmount = COALESCE_BYTES - 1;
  assert.equal(outbox.push(token("a")), undefined);
  assert.equal(sink.sent.length, 1, "below the mark: written at once");
  sink.bufferedAmount = COALESCE_BYTES;
  for (const text of ["b", "c", "d"]) assert.equal(outbox.push(token(text)), undefined, "the producer is not slowed");
  assert.equal(sink.sent.length, 1, "held");
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(events.slows, 0, "a backlog under highWaterBytes starts no stall clock");
  sink.drain();
  assert.deepEqual(
    sink.sent.map((f) => f.token),
    ["a", "bcd"],
  );
});

test("replay holds every unacknowledged frame in order as its ring grows past thousands and shrinks again", () => {
  const { outbox } = outboxOf({ maxReplayFrames: 100_000, maxReplayBytes: 100_000_000 });
  const first = new HandSink();
  outbox.attach(first, 0);
  const sendUpTo = (last: number) => {
    while (outbox.seq < last) outbox.push(message(`n${outbox.seq + 1}`));
  };
  const resumeFrom = (lastSeq: number) => {
    const sink = new HandSink();
    outbox.detach();
    assert.equal(outbox.canResume(lastSeq), true, `resume from ${lastSeq}`);
    outbox.attach(sink, lastSeq);
    for (const frame of sink.sent) {
      const { content } = (frame as unknown as { message: { content: string } }).message;
      assert.equal(content, `n${frame.seq}`, "each seq replays its own frame");
    }
    return sink.sent.map((frame) => frame.seq);
  };
  const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
  sendUpTo(5000); // grows the ring from 16 to 8192 slots
  assert.deepEqual(resumeFrom(1234), range(1235, 5000));
  outbox.ack(4990); // mostly empty: a large ring shrinks
  assert.equal(outbox.canResume(4989), false, "before the ack: gone");
  sendUpTo(5040);
  assert.deepEqual(resumeFrom(4990), range(4991, 5040));
  for (let acked = 5040; acked < 5400; acked += 37) {
    sendUpTo(acked + 50); // a window of acknowledgements, as a client that acks as it reads
    outbox.ack(acked);
  }
  const last = outbox.seq;
  const replayed = resumeFrom(last - 13);
  assert.deepEqual(replayed, range(last - 12, last));
});
