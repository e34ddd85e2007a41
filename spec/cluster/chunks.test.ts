// NOTIFY payloads stop short of 8000 bytes: longer bus messages travel in chunks and are put back together.
import assert from "node:assert/strict";
import { test } from "node:test";
import { chunkPayload, MAX_NOTIFY_BYTES, Reassembler } from "../../lib/cluster/chunks.ts";

test("a message of many kilobytes with multi-byte characters is cut under the limit and put back whole", () => {
  const body = JSON.stringify({ texts: Array.from({ length: 3000 }, (_, i) => `é✓😀 token ${i}`) });
  const payloads = chunkPayload("nodeA", "7", body);
  assert.ok(payloads.length > 1);
  for (const payload of payloads) assert.ok(Buffer.byteLength(payload) <= MAX_NOTIFY_BYTES);
  const reassembler = new Reassembler();
  const results = payloads.map((payload) => reassembler.take(payload));
  assert.deepEqual(results.slice(0, -1), Array(payloads.length - 1).fill(undefined));
  assert.deepEqual(results.at(-1), { sender: "nodeA", body });
  assert.equal(reassembler.pending, 0);
});

test("chunks of two senders interleaved are put back per sender", () => {
  const a = "a".repeat(20_000);
  const b = "b".repeat(20_000);
  const fromA = chunkPayload("A", "1", a);
  const fromB = chunkPayload("B", "1", b);
  const reassembler = new Reassembler();
  const whole = fromA.flatMap((payload, i) => [reassembler.take(payload), reassembler.take(fromB[i] as string)]);
  assert.deepEqual(
    whole.filter((result) => result !== undefined),
    [
      { sender: "A", body: a },
      { sender: "B", body: b },
    ],
  );
});

test("a lost chunk drops that message, and the sender's next message still arrives", () => {
  const first = chunkPayload("A", "1", "x".repeat(20_000));
  const reassembler = new Reassembler();
  assert.equal(reassembler.take(first[0] as string), undefined);
  assert.equal(reassembler.take(first[2] as string), undefined); // the second chunk never came
  assert.equal(reassembler.pending, 0);
  assert.deepEqual(reassembler.take(chunkPayload("A", "2", "short")[0] as string), { sender: "A", body: "short" });
});
