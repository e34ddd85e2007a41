// What `chatwire run --watch` sees on disk, with real fs events: lib/cli/watch-tree.ts.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import { watchTree } from "../../lib/cli/watch-tree.ts";
import { eventually, pause } from "../support/gateway.ts";

/** A watched temporary directory; `bursts` are the file lists onChange got. */
function watched(t: TestContext, debounceMs = 100) {
  const dir = mkdtempSync(join(tmpdir(), "chatwire-tree-"));
  mkdirSync(join(dir, "node_modules", "dep"), { recursive: true });
  mkdirSync(join(dir, ".chatwire"));
  mkdirSync(join(dir, "lib"));
  const bursts: string[][] = [];
  const watch = watchTree(dir, (files) => bursts.push(files.sort()), debounceMs);
  t.after(() => {
    watch.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { dir, bursts };
}

test("a burst of saves is one change listing every file; a later save is another", async (t) => {
  const { dir, bursts } = watched(t);
  for (const name of ["app.ts", "lib/a.ts", "lib/b.json", "app.ts"]) writeFileSync(join(dir, name), "x");
  await eventually(() => bursts.length > 0, 3000);
  await pause(300);
  assert.deepEqual(bursts, [[join(dir, "app.ts"), join(dir, "lib/a.ts"), join(dir, "lib/b.json")]]);
  writeFileSync(join(dir, "lib/a.ts"), "y");
  await eventually(() => bursts.length === 2, 3000);
  assert.deepEqual(bursts[1], [join(dir, "lib/a.ts")]);
});

test("a directory made after the start is watched; node_modules, hidden directories and non-source files are not", async (t) => {
  const { dir, bursts } = watched(t);
  writeFileSync(join(dir, "node_modules", "dep", "index.js"), "x");
  writeFileSync(join(dir, ".chatwire", "chatwire.db"), "x");
  writeFileSync(join(dir, ".chatwire", "tool.ts"), "x");
  writeFileSync(join(dir, "notes.md"), "x");
  writeFileSync(join(dir, "app.ts~"), "x");
  await pause(500);
  assert.deepEqual(bursts, []);

  mkdirSync(join(dir, "tools", "deep"), { recursive: true });
  await pause(200); // the new directory's watcher starts when its creation is seen
  writeFileSync(join(dir, "tools", "deep", "search.ts"), "x");
  await eventually(() => bursts.length > 0, 3000);
  assert.deepEqual(bursts.flat(), [join(dir, "tools", "deep", "search.ts")]);
});
