import assert from "node:assert/strict";
import { test } from "node:test";
import { isChatwireError } from "../../lib/errors.ts";
import { createApp } from "../../lib/hooks/registrars.ts";
import { slotNames } from "../../lib/hooks/table.ts";

test("each registrar fills its own slot of the table", () => {
  const app = createApp();
  const noop = () => {};
  for (const name of slotNames) app[name](noop as never);
  const table = app.seal();
  for (const name of slotNames) assert.equal(table[name], noop, name);
});

test("registering a single-slot hook twice throws DUPLICATE_HOOK naming the hook", () => {
  const app = createApp();
  app.onMessage(() => {});
  assert.throws(
    () => app.onMessage(() => {}),
    (error) => isChatwireError(error, "DUPLICATE_HOOK") && error.message.includes("onMessage"),
  );
});

test("an actionCallback name registered twice throws DUPLICATE_HOOK naming the action", () => {
  const app = createApp();
  app.actionCallback("approve", () => {});
  app.actionCallback("reject", () => {});
  assert.throws(
    () => app.actionCallback("approve", () => {}),
    (error) => isChatwireError(error, "DUPLICATE_HOOK") && error.message.includes('"approve"'),
  );
  assert.deepEqual([...app.table().actions.keys()], ["approve", "reject"]);
});

test("registering after seal throws HOOKS_SEALED and leaves the sealed table unchanged", () => {
  const app = createApp();
  app.onChatStart(() => {});
  const sealed = app.seal();
  assert.throws(
    () => app.onMessage(() => {}),
    (error) => isChatwireError(error, "HOOKS_SEALED"),
  );
  assert.throws(
    () => app.actionCallback("late", () => {}),
    (error) => isChatwireError(error, "HOOKS_SEALED"),
  );
  assert.equal(sealed.onMessage, undefined);
  assert.equal(sealed.actions.size, 0);
  assert.ok(Object.isFrozen(sealed));
});

test("a table taken earlier never sees later registrations", () => {
  const app = createApp();
  const before = app.table();
  app.onMessage(() => {});
  assert.equal(before.onMessage, undefined);
  assert.notEqual(app.table().onMessage, undefined);
});

test("non-functions and bad action names are refused with INVALID_HOOK", () => {
  const app = createApp();
  assert.throws(
    () => app.onMessage("nope" as never),
    (error) => isChatwireError(error, "INVALID_HOOK"),
  );
  assert.throws(
    () => app.actionCallback("", () => {}),
    (error) => isChatwireError(error, "INVALID_HOOK"),
  );
});

test("two apps never share a table", () => {
  const a = createApp();
  const b = createApp();
  a.onMessage(() => {});
  assert.equal(b.table().onMessage, undefined);
});
