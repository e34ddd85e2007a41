import assert from "node:assert/strict";
import { test } from "node:test";
import { isChatwireError } from "../../lib/errors.ts";
import { decodeAudioChunk, encodeAudioChunk } from "../../lib/protocol/binary.ts";
import { FrameError, parseClientFrame } from "../../lib/protocol/check.ts";

test("a valid frame parses to its typed value", () => {
  const frame = parseClientFrame('{"type":"user_message","id":"m1","content":"hi"}');
  assert.deepEqual(frame, { type: "user_message", id: "m1", content: "hi" });
});

test("invalid JSON is BAD_JSON", () => {
  assert.throws(
    () => parseClientFrame("{nope"),
    (error) => isChatwireError(error, "BAD_JSON"),
  );
});

test("an unknown type, a missing type and a non-object are UNKNOWN_FRAME", () => {
  for (const text of ['{"type":"nope"}', '{"id":"x"}', "[1,2]", "42", "null"]) {
    assert.throws(
      () => parseClientFrame(text),
      (error) => isChatwireError(error, "UNKNOWN_FRAME"),
      text,
    );
  }
});

test("a schema failure is BAD_FRAME naming the field, with the frame's id", () => {
  try {
    parseClientFrame('{"type":"user_message","id":"m7","content":42}');
    assert.fail("should throw");
  } catch (error) {
    assert.ok(error instanceof FrameError);
    assert.equal(error.code, "BAD_FRAME");
    assert.equal(error.field, "/content");
    assert.equal(error.replyTo, "m7");
  }
});

test("a missing required field and an extra field are named", () => {
  const missing = () => parseClientFrame('{"type":"action_call","id":"a1"}');
  assert.throws(missing, (error) => error instanceof FrameError && error.field === "/actionId");
  const extra = () => parseClientFrame('{"type":"stop","evil":true}');
  assert.throws(extra, (error) => error instanceof FrameError && error.field === "/evil");
});

test("feedback values other than 0 and 1 are refused", () => {
  const frame = (value: unknown) => JSON.stringify({ type: "feedback", id: "f", messageId: "m", value });
  assert.equal(parseClientFrame(frame(1)).type, "feedback");
  assert.throws(
    () => parseClientFrame(frame(5)),
    (error) => isChatwireError(error, "BAD_FRAME"),
  );
});

test("binary audio chunks round-trip without copying the bytes", () => {
  const bytes = new Uint8Array([1, 2, 3, 250]);
  const frame = encodeAudioChunk(1.25, bytes);
  const chunk = decodeAudioChunk(frame);
  assert.equal(chunk.elapsedTime, 1.25);
  assert.deepEqual([...chunk.data], [1, 2, 3, 250]);
  assert.equal(chunk.data.buffer, frame.buffer);
});

test("malformed binary frames are BAD_BINARY", () => {
  assert.throws(
    () => decodeAudioChunk(new Uint8Array([1, 2])),
    (error) => isChatwireError(error, "BAD_BINARY"),
  );
  const wrongKind = encodeAudioChunk(0, new Uint8Array(1));
  wrongKind[0] = 7;
  assert.throws(
    () => decodeAudioChunk(wrongKind),
    (error) => isChatwireError(error, "BAD_BINARY"),
  );
  assert.throws(
    () => decodeAudioChunk(encodeAudioChunk(Number.NaN, new Uint8Array(1))),
    (error) => isChatwireError(error, "BAD_BINARY"),
  );
});
