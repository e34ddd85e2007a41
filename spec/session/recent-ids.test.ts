// RecentIds keeps exactly the last `limit` distinct ids.
import assert from "node:assert/strict";
import { test } from "node:test";
import { RecentIds } from "../../lib/session/recent-ids.ts";

test("RecentIds forgets the oldest ids beyond its limit and keeps the newest", () => {
  const ids = new RecentIds(3);
  for (const id of ["a", "b", "c", "d", "e"]) ids.add(id);
  assert.deepEqual(
    ["a", "b", "c", "d", "e"].map((id) => ids.has(id)),
    [false, false, true, true, true],
  );
});

test("adding an id twice does not take a second place", () => {
  const ids = new RecentIds(2);
  ids.add("a");
  ids.add("a");
  ids.add("b");
  assert.equal(ids.has("a"), true);
  ids.add("c");
  assert.equal(ids.has("a"), false);
  assert.equal(ids.has("b"), true);
});
