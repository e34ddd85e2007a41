// The node's running turns: a client's turn beyond the limit is refused, chatwire's own is not, and an ended turn
// gives its place back.
import assert from "node:assert/strict";
import { test } from "node:test";
import { NodeTurns } from "../../lib/session/node-turns.ts";

test("turns beyond max are refused until one ends; chatwire's own turns always start", () => {
  const turns = new NodeTurns(2);
  assert.equal(turns.begin(), true);
  assert.equal(turns.begin(), true);
  assert.equal(turns.begin(), false);
  assert.equal(turns.begin(true), true); // onChatStart: counted, never refused
  assert.equal(turns.running, 3);
  turns.end();
  turns.end();
  assert.equal(turns.begin(), true);
  assert.equal(turns.running, 2);
});

test("without a limit every turn starts", () => {
  const turns = new NodeTurns();
  for (let n = 0; n < 1000; n++) assert.equal(turns.begin(), true);
  assert.equal(turns.running, 1000);
});
