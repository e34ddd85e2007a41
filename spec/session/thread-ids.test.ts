// Thread ids carry their thread's tag: a session recognises its own thread's ids, from any session, and no other's.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ThreadIds } from "../../lib/session/thread-ids.ts";

test("ids made for a thread are recognised by any session of that thread, and by no other thread", () => {
  const first = new ThreadIds("thread-A");
  const later = new ThreadIds("thread-A");
  const other = new ThreadIds("thread-B");
  const id = first.next();
  assert.equal(id.length, 24);
  assert.notEqual(first.next(), id, "fresh randomness each time");
  assert.equal(later.owns(id), true, "a later session of the same thread (a resume) knows it");
  assert.equal(other.owns(id), false);
  assert.equal(other.owns(other.next()), true);
});

test("ids of another shape are not the thread's, even with its tag in front", () => {
  const ids = new ThreadIds("thread-A");
  const tag = ids.next().slice(0, 8);
  assert.equal(ids.owns("elsewhere"), false);
  assert.equal(ids.owns(`${tag}short`), false);
  assert.equal(ids.owns(`${tag}${"x".repeat(40)}`), false);
});
