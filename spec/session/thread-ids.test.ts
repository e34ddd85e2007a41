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

test("ids are the tag and 16 characters of nanoid's URL alphabet, each used, none repeated, across pool refills", () => {
  const ids = new ThreadIds("thread-A");
  const tag = ids.next().slice(0, 8);
  const seen = new Set<string>();
  const characters = new Set<string>();
  for (let i = 0; i < 10_000; i++) {
    const id = ids.next();
    assert.match(id, /^[A-Za-z0-9_-]{24}$/);
    assert.equal(id.slice(0, 8), tag);
    seen.add(id);
    for (const character of id.slice(8)) characters.add(character);
  }
  assert.equal(seen.size, 10_000, "no id twice");
  assert.equal(characters.size, 64, "every character of the alphabet turns up (16 × 10,000 draws of 64)");
});
