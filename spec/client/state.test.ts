// The conversation state (lib/client/state.ts) on its own: nesting by parentId, what a change shares with the
// snapshot before it, deletions, history with feedback, dividers; and the client's audio frame encoding.
import assert from "node:assert/strict";
import { test } from "node:test";
import { encodeAudioFrame } from "../../lib/client/audio.ts";
import type { SessionStart } from "../../lib/client/connection.ts";
import { ConversationState } from "../../lib/client/state.ts";
import { encodeAudioChunk, type MessageView, type ServerFrame, type StepView } from "../../lib/protocol/index.ts";

const message = (id: string, content: string, parentId?: string): MessageView => ({
  id,
  role: "assistant",
  author: "Assistant",
  content,
  createdAt: "2026-01-01T10:00:00.000Z",
  actions: [],
  ...(parentId ? { parentId } : {}),
});
const step = (id: string, parentId?: string): StepView => ({
  id,
  name: id,
  type: "tool",
  start: "2026-01-01T10:00:00.000Z",
  ...(parentId ? { parentId } : {}),
});
let seq = 0;
const apply = (state: ConversationState, frame: Record<string, unknown> & { type: ServerFrame["type"] }) =>
  state.apply({ seq: ++seq, ...frame } as ServerFrame);

test("entries nest under their parent; a change replaces only the path to it", () => {
  const state = new ConversationState();
  apply(state, { type: "step", step: step("s1") });
  apply(state, { type: "step", step: step("s2", "s1") });
  apply(state, { type: "message_new", message: message("m1", "under s2", "s2") });
  apply(state, { type: "message_new", message: message("m2", "top") });
  apply(state, { type: "message_new", message: message("m3", "orphan", "unknown") });
  const before = state.snapshot();
  assert.deepEqual(
    before.tree.map((node) => node.id),
    ["s1", "m2", "m3"],
  );
  assert.equal(before.tree[0]?.children[0]?.children[0]?.id, "m1");
  apply(state, { type: "stream_start", message: message("m4", "", "s1") });
  apply(state, { type: "stream_token", id: "m4", token: "a" });
  apply(state, { type: "stream_token", id: "m4", token: "b" });
  const after = state.snapshot();
  assert.notEqual(after.tree[0], before.tree[0], "s1 gained a child");
  assert.equal(after.tree[0]?.children[0], before.tree[0]?.children[0], "s2's subtree is the same object");
  assert.equal(after.tree[1], before.tree[1], "m2 is the same object");
  assert.deepEqual(
    after.messages.map((m) => [m.id, m.content, m.streaming]),
    [
      ["m1", "under s2", false],
      ["m2", "top", false],
      ["m3", "orphan", false],
      ["m4", "ab", true],
    ],
  );
});

test("message_delete removes the message and what is nested under it", () => {
  const state = new ConversationState();
  apply(state, { type: "message_new", message: message("m1", "parent") });
  apply(state, { type: "step", step: step("s1", "m1") });
  apply(state, { type: "message_new", message: message("m2", "child", "s1") });
  apply(state, { type: "message_new", message: message("m3", "other") });
  apply(state, { type: "message_delete", id: "m1" });
  const snapshot = state.snapshot();
  assert.deepEqual(
    snapshot.tree.map((node) => node.id),
    ["m3"],
  );
  assert.deepEqual(
    snapshot.messages.map((m) => m.id),
    ["m3"],
  );
});

test("a reopened thread's history carries its feedback; a replaced session leaves inert messages above a divider", () => {
  const state = new ConversationState();
  const feedback = { id: "fb1", forId: "a1", value: 1 as const };
  apply(state, {
    type: "thread_history",
    threadId: "t1",
    name: "Weather",
    steps: [{ kind: "message", ...message("a1", "Sunny"), feedback }],
  });
  assert.deepEqual(state.snapshot().messages[0]?.feedback, { value: 1, state: "saved", id: "fb1" });
  assert.equal(state.snapshot().threadName, "Weather");
  const welcome = { type: "welcome", seq: 0, protocol: 1, sessionId: "s", resumeToken: "r", threadId: "t2" };
  const start = { welcome, resumed: false, replaced: true, reopened: false, lost: "expired", dropped: 0 };
  state.startSession(start as SessionStart);
  const snapshot = state.snapshot();
  assert.equal(snapshot.messages[0]?.live, false);
  assert.deepEqual(snapshot.tree.at(-1), {
    kind: "divider",
    id: "divider-1",
    divider: { id: "divider-1", lost: "expired" },
    children: [],
  });
});

test("the client's binary audio frame is lib/protocol's, byte for byte (declared apart to keep typebox out)", () => {
  const bytes = new Uint8Array([1, 2, 3, 250]);
  assert.deepEqual(encodeAudioFrame(1.25, bytes), encodeAudioChunk(1.25, bytes));
});

test("a cut answer keeps its streamed text and says why: from stream_end, and from a reopened thread's history", () => {
  const state = new ConversationState();
  apply(state, { type: "stream_start", message: message("m1", "") });
  apply(state, { type: "stream_token", id: "m1", token: "half an " });
  apply(state, { type: "stream_end", id: "m1", content: "half an ", stopped: "user" });
  apply(state, {
    type: "thread_history",
    threadId: "t1",
    steps: [{ ...message("m0", "earlier, cut"), kind: "message", stopped: "timeout" }],
  });
  assert.deepEqual(
    state.snapshot().messages.map((m) => [m.id, m.content, m.streaming, m.stopped]),
    [
      ["m1", "half an ", false, "user"],
      ["m0", "earlier, cut", false, "timeout"],
    ],
  );
});
