// On an unsupported Node.js, `chatwire run` and `import "chatwire"` stop first, with one clear message, instead of
// failing later inside a dependency. The old Node is this one with process.versions.node set to 18.20.8 before
// anything loads (the real Node 18 was checked by hand: docs/deployment.md, Supported platforms).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { test } from "node:test";
import { nodeSupportProblem } from "../../lib/runtime/node-support.ts";

const pretend = (version: string) =>
  `data:text/javascript,${encodeURIComponent(
    `Object.defineProperty(process, "versions", { value: { ...process.versions, node: ${JSON.stringify(version)} } });`,
  )}`;

/** Runs node with `args` as if it were Node.js 18.20.8. */
const onNode18 = (args: string[]) =>
  spawnSync(process.execPath, ["--import", pretend("18.20.8"), ...args], { encoding: "utf8", timeout: 20_000 });

test("chatwire run on Node 18 prints one line naming the supported versions and exits 1, loading no app", () => {
  const run = onNode18([resolve("bin/chatwire.js"), "run", resolve("spec/fixtures/hello-app.ts"), "--port", "0"]);
  assert.equal(run.status, 1, run.stderr);
  assert.equal(run.stderr, `${nodeSupportProblem("18.20.8")}\n`);
  assert.equal(run.stdout, "");
});

test('import "chatwire" (and "chatwire/testing") on Node 18 throws that message', () => {
  for (const entry of ["chatwire", "chatwire/testing"]) {
    const run = onNode18(["--input-type=module", "-e", `await import(${JSON.stringify(entry)});`]);
    assert.equal(run.status, 1, entry);
    assert.match(run.stderr, /^Error: chatwire needs Node\.js .*; this is Node\.js 18\.20\.8\./m, run.stderr);
  }
});
