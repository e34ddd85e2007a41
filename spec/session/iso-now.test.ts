// isoNow: the time as toISOString() says it, made once per millisecond.
import assert from "node:assert/strict";
import { test } from "node:test";
import { isoNow } from "../../lib/session/iso-now.ts";

test("isoNow is the current time in toISOString()'s format, never behind a clock read before it", () => {
  for (let i = 0; i < 1000; i++) {
    const before = Date.now();
    const iso = isoNow();
    const after = Date.now();
    assert.match(iso, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(new Date(iso).toISOString(), iso);
    const at = Date.parse(iso);
    assert.ok(at >= before && at <= after, `${iso} within [${before}, ${after}]`);
  }
});
