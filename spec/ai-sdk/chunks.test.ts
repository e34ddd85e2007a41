// The AI SDK chunk mapping of streamed text: appended tokens are text deltas; a replacing token, which a text part
// cannot express, is a data-chatwire-replace part with the message's new text; step tokens map to nothing (the
// step's end frame carries its whole output).
import assert from "node:assert/strict";
import { test } from "node:test";
import { ChunkMapper } from "../../lib/ai-sdk/chunks.ts";
import type { ServerFrame } from "../../lib/protocol/index.ts";

let seq = 0;
const frame = (value: Record<string, unknown> & { type: ServerFrame["type"] }) =>
  ({ seq: ++seq, ...value }) as ServerFrame;

test("a replacing token is a data-chatwire-replace part; appended tokens stay text deltas", () => {
  const mapper = new ChunkMapper();
  const message = { id: "m", role: "assistant", author: "A", content: "", createdAt: "", actions: [] };
  const chunks = [
    frame({ type: "stream_start", message }),
    frame({ type: "stream_token", id: "m", token: "draft" }),
    frame({ type: "stream_token", id: "m", token: "final", replace: true }),
    frame({ type: "step_token", id: "s", token: "ignored" }),
    frame({ type: "stream_end", id: "m", content: "final" }),
  ].flatMap((f) => mapper.map(f));
  assert.deepEqual(chunks, [
    { type: "text-start", id: "m" },
    { type: "text-delta", id: "m", delta: "draft" },
    { type: "data-chatwire-replace", id: "m", data: { id: "m", content: "final" } },
    { type: "text-end", id: "m" },
  ]);
});
