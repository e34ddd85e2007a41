// The conversation state (lib/client/state.ts) with replaced message content and streamed steps.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { ChatNode } from "../../lib/client/snapshot.ts";
import { ConversationState } from "../../lib/client/state.ts";
import type { MessageView, ServerFrame, StepView } from "../../lib/protocol/index.ts";

const message = (id: string, content: string): MessageView => ({
  id,
  role: "assistant",
  author: "Assistant",
  content,
  createdAt: "2026-01-01T10:00:00.000Z",
  actions: [],
});
const step = (id: string, extra: Partial<StepView> = {}): StepView => ({
  id,
  name: id,
  type: "tool",
  start: "2026-01-01T10:00:00.000Z",
  ...extra,
});
let seq = 0;
const apply = (state: ConversationState, frame: Record<string, unknown> & { type: ServerFrame["type"] }) =>
  state.apply({ seq: ++seq, ...frame } as ServerFrame);
const stepOf = (node: ChatNode | undefined) => (node?.kind === "step" ? node.step : undefined);

test("a replacing token replaces a streaming message's content; later tokens append to it", () => {
  const state = new ConversationState();
  apply(state, { type: "stream_start", message: message("m", "") });
  apply(state, { type: "stream_token", id: "m", token: "Thinking..." });
  apply(state, { type: "stream_token", id: "m", token: "Done", replace: true });
  apply(state, { type: "stream_token", id: "m", token: "!" });
  const [streamed] = state.snapshot().messages;
  assert.deepEqual([streamed?.content, streamed?.streaming], ["Done!", true]);
});

test("step tokens grow a step's output and input; a replace replaces that field only; the end frame wins", () => {
  const state = new ConversationState();
  apply(state, { type: "step", step: step("s") });
  apply(state, { type: "step_token", id: "s", token: '{"q":1}', input: true });
  apply(state, { type: "step_token", id: "s", token: "partial" });
  apply(state, { type: "step_token", id: "s", token: " result" });
  const streaming = stepOf(state.snapshot().tree[0]);
  assert.deepEqual([streaming?.input, streaming?.output], ['{"q":1}', "partial result"]);
  apply(state, { type: "step_token", id: "s", token: "result", replace: true });
  const replaced = stepOf(state.snapshot().tree[0]);
  assert.deepEqual([replaced?.input, replaced?.output], ['{"q":1}', "result"]);
  apply(state, {
    type: "step",
    step: step("s", { input: '{"q":1}', output: "final", end: "2026-01-01T10:00:01.000Z" }),
  });
  assert.equal(stepOf(state.snapshot().tree[0])?.output, "final");
});

test("a step token changes the snapshot (a new step object), and one for an unknown id changes nothing", () => {
  const state = new ConversationState();
  apply(state, { type: "step", step: step("s") });
  const before = state.snapshot();
  apply(state, { type: "step_token", id: "s", token: "x" });
  const after = state.snapshot();
  assert.notEqual(stepOf(after.tree[0]), stepOf(before.tree[0]));
  apply(state, { type: "step_token", id: "nope", token: "y" });
  apply(state, { type: "stream_token", id: "s", token: "a step is not a message", replace: true });
  assert.equal(stepOf(state.snapshot().tree[0])?.output, "x");
});
