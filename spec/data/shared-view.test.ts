// sharedView on its own (no server, no response schema in between): what a viewer of a share gets.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { LoadedThread } from "../../lib/data/layer.ts";
import { PRIVATE_METADATA_KEY, sharedView } from "../../lib/data/shared-view.ts";
import { message, step } from "./contract.ts";

const action = { id: "a1", name: "book", label: "Book", payload: { card: "4111" }, messageId: "m1" };
const thread: LoadedThread = {
  id: "t1",
  createdAt: "2024-05-01T10:00:00.000Z",
  name: "Trip",
  userId: "u1",
  userIdentifier: "ada",
  tags: ["travel"],
  metadata: {
    topic: "travel",
    notes: "mine",
    chatwireSession: { turns: 1 },
    chatwireConversation: { settings: { model: "big" } },
    [PRIVATE_METADATA_KEY]: ["notes", "e2", 42],
  },
  steps: [
    {
      kind: "message",
      ...message("m1", "answer", {
        actions: [action],
        elements: [
          { id: "e1", name: "a.png" },
          { id: "e2", name: "b.png" },
        ],
      }),
      feedback: { id: "f1", forId: "m1", value: 1, comment: "thanks" },
    },
    { kind: "step", ...step("s1", { parentId: "m1", output: "42" }) },
    { kind: "message", ...message("m2", "only private", { elements: [{ id: "e2", name: "b.png" }] }) },
  ],
  elements: [
    { id: "e1", forId: "m1", name: "a.png" },
    { id: "e2", forId: "m1", name: "b.png" },
  ],
};

test("a shared view keeps the conversation and leaves out owner, feedback, actions, saved state and private fields", () => {
  assert.deepEqual(sharedView(thread), {
    createdAt: "2024-05-01T10:00:00.000Z",
    name: "Trip",
    tags: ["travel"],
    metadata: { topic: "travel" },
    steps: [
      { kind: "message", ...message("m1", "answer"), elements: [{ id: "e1", name: "a.png" }] },
      { kind: "step", ...step("s1", { parentId: "m1", output: "42" }) },
      { kind: "message", ...message("m2", "only private") },
    ],
    elements: [{ id: "e1", forId: "m1", name: "a.png" }],
  });
});

test("without a private list, every metadata key of the app's own is shown", () => {
  const { [PRIVATE_METADATA_KEY]: _list, ...metadata } = thread.metadata;
  assert.deepEqual(sharedView({ ...thread, metadata }).metadata, { topic: "travel", notes: "mine" });
});
