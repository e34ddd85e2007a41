// DerivedInit reads every member of the ContextInit it derives from (a member it forgot would be undefined in every
// task's context), live, and replaces only what it was given.
import assert from "node:assert/strict";
import { test } from "node:test";
import { DerivedInit } from "../../lib/context/derived-init.ts";
import type { ContextInit } from "../../lib/context/init.ts";

/** Every member of ContextInit: tsc fails here when one is added and not listed. */
const members: Record<keyof ContextInit<object>, true> = {
  sessionId: true,
  threadId: true,
  user: true,
  chatProfile: true,
  userEnv: true,
  state: true,
  log: true,
  emit: true,
  renameAuthor: true,
  asks: true,
  actions: true,
  settings: true,
  commands: true,
  modes: true,
  history: true,
  usage: true,
  newId: true,
  claimId: true,
  now: true,
  isoNow: true,
  askTimeoutMs: true,
  maxAskTimeoutMs: true,
  maxStreamBytes: true,
  files: true,
  thread: true,
  audio: true,
  grants: true,
  turn: true,
  mcp: true,
  spans: true,
};
const methods = new Set(["emit", "history", "newId", "claimId", "now", "isoNow"]);

test("every member reads through to the base, live; methods forward their arguments and results", () => {
  const calls: string[] = [];
  const base: Record<string, unknown> = {};
  for (const key of Object.keys(members)) {
    base[key] = methods.has(key)
      ? (...args: unknown[]) => {
          calls.push(`${key}(${args.join(",")})`);
          return `${key} result`;
        }
      : { value: key };
  }
  const derived = new DerivedInit(base as unknown as ContextInit<object>) as unknown as Record<string, unknown>;
  for (const key of Object.keys(members)) {
    if (methods.has(key)) continue;
    assert.equal(derived[key], base[key], key);
  }
  base.mcp = { value: "later" };
  assert.deepEqual(derived.mcp, { value: "later" }, "read when asked, not when made");
  const d = derived as unknown as ContextInit<object>;
  assert.equal(d.emit({ type: "task_start", taskId: "t1" }), "emit result");
  assert.equal(d.history(), "history result");
  assert.equal(d.newId(), "newId result");
  assert.equal(d.now(), "now result");
  assert.equal(d.isoNow?.(), "isoNow result");
  d.claimId?.("x1");
  assert.deepEqual(calls, ["emit([object Object])", "history()", "newId()", "now()", "isoNow()", "claimId(x1)"]);
});

test("isoNow falls back to the base's clock when the base has no isoNow of its own", () => {
  const base = { now: () => new Date(Date.UTC(2026, 11, 7, 5, 6, 7, 89)) } as unknown as ContextInit<object>;
  assert.equal(new DerivedInit(base).isoNow(), "2026-12-07T05:06:07.089Z");
});

test("newId and turn are replaced when given; a turn given as undefined hides the base's", () => {
  const base = { newId: () => "base", turn: { name: "base turn" } } as unknown as ContextInit<object>;
  const scoped = new DerivedInit(base, { newId: () => "scoped" });
  assert.equal(scoped.newId(), "scoped");
  assert.equal(scoped.turn, base.turn);
  const unturned = new DerivedInit(base, { turn: undefined });
  assert.equal(unturned.turn, undefined);
  assert.equal(unturned.newId(), "base");
});
