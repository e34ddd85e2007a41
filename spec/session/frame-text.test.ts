// frameText writes stream tokens by hand: its text must be JSON.stringify's, byte for byte, whatever the token holds.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { OutgoingFrame } from "../../lib/protocol/server.ts";
import { frameText } from "../../lib/session/frame-text.ts";

const same = (seq: number, frame: OutgoingFrame) =>
  assert.equal(frameText(seq, frame), JSON.stringify({ seq, ...frame }), JSON.stringify(frame));

test("a stream token's text is JSON.stringify's, escapes and replace included", () => {
  const tokens = [
    "tok ",
    "",
    'say "hi"',
    "back\\slash",
    "line\nbreak\ttab\r\u0000\u001f",
    "\u2028\u2029 are not escaped",
    "emoji 😀 pair",
    "lone \ud800 high",
    "lone \udc00 low",
    "ünïcödé ✓",
    "</script>",
  ];
  for (const [i, token] of tokens.entries()) {
    same(i, { type: "stream_token", id: "m1", token });
    same(i + 100, { type: "stream_token", id: "msg:ab_c-1.2", token, replace: true });
    same(i + 200, { type: "stream_token", id: `id "${token}"`, token });
  }
});

test("random tokens of any UTF-16 code units give JSON.stringify's text", () => {
  let state = 7;
  const random = () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state;
  };
  for (let i = 0; i < 2000; i++) {
    const units = Array.from({ length: random() % 12 }, () => {
      const kind = random() % 4;
      return kind === 0 ? random() % 0x20 : kind === 1 ? 0xd800 + (random() % 0x800) : random() % 0x10000;
    });
    same(i, { type: "stream_token", id: "m1", token: String.fromCharCode(...units) });
  }
});

test("task frames and every other frame are JSON.stringify of the frame after its seq", () => {
  same(1, { type: "task_start", taskId: "t1" });
  same(2, { type: "task_end", taskId: "t1", aborted: true });
  same(5, { type: "task_end", taskId: "t22" });
  same(6, { type: "task_start", taskId: 'odd "id"\n' });
  same(3, { type: "stream_end", id: "m1", content: 'all "of" it' });
  same(4, { type: "step_token", id: "s1", token: "x", input: true });
});

test("a frame JSON cannot hold throws, as JSON.stringify does", () => {
  const data: Record<string, unknown> = {};
  data.self = data;
  assert.throws(() => frameText(1, { type: "window_message", data } as OutgoingFrame), TypeError);
});
