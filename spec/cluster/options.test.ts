// The cluster option is checked before the node touches the database: a wrong value is INVALID_OPTION at start.
import assert from "node:assert/strict";
import { test } from "node:test";
import { clusterSettings } from "../../lib/cluster/options.ts";
import { isChatwireError } from "../../lib/errors.ts";

const invalid = (error: unknown) => isChatwireError(error, "INVALID_OPTION");

test("the defaults: heartbeat 1 s, lease 3 s, relay timeout 1 s, on the given URL", () => {
  assert.deepEqual(clusterSettings({ url: "postgres://db/app" }), {
    url: "postgres://db/app",
    heartbeatMs: 1000,
    leaseMs: 3000,
    relayTimeoutMs: 1000,
  });
});

test("a URL that is not PostgreSQL, a non-positive time and a lease under two heartbeats are refused", () => {
  assert.throws(() => clusterSettings({ url: "mysql://db/app" }), invalid);
  assert.throws(() => clusterSettings({ url: "postgres://db/app", heartbeatMs: 0 }), invalid);
  assert.throws(() => clusterSettings({ url: "postgres://db/app", relayTimeoutMs: 1.5 }), invalid);
  assert.throws(() => clusterSettings({ url: "postgres://db/app", heartbeatMs: 1000, leaseMs: 1500 }), invalid);
});
