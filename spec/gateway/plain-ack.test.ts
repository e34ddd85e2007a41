// The ack fast path reads only what the full path (JSON.parse + the schema) reads as the same ack, and leaves every
// other text to the full path, which answers it as before (BAD_JSON, BAD_FRAME…).
import assert from "node:assert/strict";
import { test } from "node:test";
import { plainAck } from "../../lib/gateway/connection.ts";
import { parseClientFrame } from "../../lib/protocol/check.ts";

const fullPath = (text: string): unknown => {
  try {
    return parseClientFrame(text);
  } catch (error) {
    return error;
  }
};

test("an ack as clients write it is read as the full path reads it", () => {
  for (const seq of [0, 1, 9, 10, 100, 12_345, 999_999_999_999_999]) {
    const text = `{"type":"ack","seq":${seq}}`;
    assert.equal(plainAck(text), seq, text);
    assert.deepEqual(fullPath(text), { type: "ack", seq }, text);
  }
});

test("every other text is left to the full path", () => {
  const others = [
    '{"type":"ack","seq":01}', // not JSON
    '{"type":"ack","seq":-1}', // below the minimum
    '{"type":"ack","seq":1.5}',
    '{"type":"ack","seq":1e3}',
    '{"type":"ack","seq":}',
    '{"type":"ack","seq":1 }',
    '{"type":"ack","seq":"1"}',
    '{"type":"ack","seq":1234567890123456}', // 16 digits: past what this path reads exactly
    '{"type":"ack","seq":1,"x":1}',
    '{"type":"ack", "seq":1}',
    '{"seq":1,"type":"ack"}',
    '{"type":"ack","seq":1}x',
    '{"type":"stop"}',
  ];
  for (const text of others) assert.equal(plainAck(text), undefined, text);
  // Those the full path accepts are acks it reads itself; the rest it refuses, as it did before the fast path.
  assert.deepEqual(fullPath('{"type":"ack", "seq":1}'), { type: "ack", seq: 1 });
  assert.equal((fullPath('{"type":"ack","seq":01}') as { code?: string }).code, "BAD_JSON");
  assert.equal((fullPath('{"type":"ack","seq":-1}') as { code?: string }).code, "BAD_FRAME");
});

test("any text of the ack's shape with digits: the fast path and the full path agree", () => {
  for (let i = 0; i < 2000; i++) {
    const digits = Array.from({ length: 1 + (i % 15) }, (_, k) => String((i * 7919 + k * 104_729) % 10)).join("");
    const text = `{"type":"ack","seq":${digits}}`;
    const fast = plainAck(text);
    const full = fullPath(text);
    if (fast === undefined) assert.ok(full instanceof Error, `${text}: the fast path refused what the full path reads`);
    else assert.deepEqual(full, { type: "ack", seq: fast }, text);
  }
});
