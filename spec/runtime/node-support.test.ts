// Which Node.js versions chatwire accepts (lib/runtime/node-support.ts), and that package.json's "engines" says
// the same.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { nodeSupportProblem, supportedNodeRange } from "../../lib/runtime/node-support.ts";

test("package.json's engines.node is the supported range", () => {
  const manifest = JSON.parse(readFileSync("package.json", "utf8")) as { engines: { node: string } };
  assert.equal(manifest.engines.node, supportedNodeRange);
  assert.equal(supportedNodeRange, "^20.19.0 || ^22.12.0 || ^24.0.0 || >=26.0.0");
});

test("the lines CI tests, from their first supported release, and later majors pass", () => {
  for (const version of [
    "20.19.0",
    "20.20.2",
    "22.12.0",
    "22.23.3",
    "24.0.0",
    "24.21.0",
    "26.0.0",
    "26.10.0",
    "28.1.0",
  ]) {
    assert.equal(nodeSupportProblem(version), undefined, version);
  }
});

test("older releases, older lines and the odd (end-of-life) lines are refused with a message naming both versions", () => {
  for (const version of [
    "16.20.2",
    "18.20.8",
    "20.0.0",
    "20.18.3",
    "21.7.3",
    "22.11.0",
    "23.11.1",
    "25.9.0",
    "19.9.0",
  ]) {
    const problem = nodeSupportProblem(version);
    assert.ok(problem !== undefined, version);
    assert.ok(problem.includes(`this is Node.js ${version}.`), problem);
    assert.ok(problem.startsWith(`chatwire needs Node.js ${supportedNodeRange};`), problem);
  }
});

test("the Node.js running this suite is supported", () => {
  assert.equal(nodeSupportProblem(process.versions.node), undefined);
});
