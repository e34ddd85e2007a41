// Replacing tokens and step tokens in the outbox: while the client is away, a replace drops the held tokens of its
// text, later tokens join it, and step tokens coalesce per step and per field (input apart from output).
import assert from "node:assert/strict";
import { test } from "node:test";
import type { OutgoingFrame } from "../../lib/protocol/server.ts";
import { Outbox, type OutboxLimits } from "../../lib/session/outbox.ts";
import type { FrameSink } from "../../lib/session/sink.ts";

type Sent = { seq: number; type: string; id?: string; token?: string; replace?: true; input?: true };

class ListSink implements FrameSink {
  bufferedAmount = 0;
  readonly sent: Sent[] = [];
  send(text: string): void {
    this.sent.push(JSON.parse(text));
  }
  onDrain(): void {}
  close(): void {}
}

const limits: OutboxLimits = {
  highWaterBytes: 1000,
  maxPendingBytes: 10_000,
  maxReplayFrames: 100,
  maxReplayBytes: 100_000,
  stallTimeoutMs: 60_000,
};
const events = { onOverflow: () => {}, onSlowConsumer: () => {} };

const token = (id: string, text: string, replace = false): OutgoingFrame => ({
  type: "stream_token",
  id,
  token: text,
  ...(replace ? { replace: true as const } : {}),
});
const stepToken = (id: string, text: string, flags: { input?: true; replace?: true } = {}): OutgoingFrame => ({
  type: "step_token",
  id,
  token: text,
  ...flags,
});

/** What a client that was away gets on its return, without seq. */
function heldThenAttached(frames: readonly OutgoingFrame[]): Omit<Sent, "seq">[] {
  const outbox = new Outbox(limits, events);
  for (const frame of frames) outbox.push(frame);
  const sink = new ListSink();
  outbox.attach(sink, 0);
  return sink.sent.map(({ seq: _seq, ...rest }) => rest);
}

test("a replace drops the tokens held before it; tokens after it join it and keep replace", () => {
  const sent = heldThenAttached([token("m", "Hel"), token("m", "lo"), token("m", "Bye", true), token("m", " now")]);
  assert.deepEqual(sent, [{ type: "stream_token", id: "m", token: "Bye now", replace: true }]);
});

test("a replace drops its message's held tokens even when other frames came between, and only its message's", () => {
  const sent = heldThenAttached([
    token("m", "draft"),
    token("n", "other"),
    { type: "task_end", taskId: "t" },
    token("m", "final", true),
  ]);
  assert.deepEqual(sent, [
    { type: "stream_token", id: "n", token: "other" },
    { type: "task_end", taskId: "t" },
    { type: "stream_token", id: "m", token: "final", replace: true },
  ]);
});

test("step tokens coalesce per step and per field; a step's output replace keeps its input tokens", () => {
  const sent = heldThenAttached([
    stepToken("s", "q", { input: true }),
    stepToken("s", "uery", { input: true }),
    stepToken("s", "3 "),
    stepToken("s", "results"),
    stepToken("s", "{", { input: true }),
    stepToken("s", "done", { replace: true }),
    token("s", "not a step's"),
  ]);
  assert.deepEqual(sent, [
    { type: "step_token", id: "s", token: "query", input: true },
    { type: "step_token", id: "s", token: "{", input: true },
    { type: "step_token", id: "s", token: "done", replace: true },
    { type: "stream_token", id: "s", token: "not a step's" },
  ]);
});

test("held bytes shrink when a replace drops tokens (a long draft replaced does not overflow the session)", () => {
  let overflows = 0;
  const outbox = new Outbox({ ...limits, maxPendingBytes: 2000 }, { ...events, onOverflow: () => overflows++ });
  outbox.attach(new ListSink(), 0);
  outbox.detach();
  for (let i = 0; i < 100; i++) {
    outbox.push(token("m", "x".repeat(15)));
    outbox.push(token("m", "short", true));
  }
  assert.equal(overflows, 0);
  assert.ok(outbox.pendingBytes < 100, `${outbox.pendingBytes} bytes held`);
});

test("with a client attached and keeping up, every token goes out as it is, replace flag included", () => {
  const outbox = new Outbox(limits, events);
  const sink = new ListSink();
  outbox.attach(sink, 0);
  outbox.push(token("m", "a"));
  outbox.push(token("m", "b", true));
  outbox.push(stepToken("s", "c", { input: true, replace: true }));
  assert.deepEqual(
    sink.sent.map(({ token, replace, input }) => [token, replace, input]),
    [
      ["a", undefined, undefined],
      ["b", true, undefined],
      ["c", true, true],
    ],
  );
});
