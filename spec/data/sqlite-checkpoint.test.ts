// SQLite's WAL checkpoints in a worker thread (issue 19, lib/data/sqlite-checkpoint.ts): the pages a commit wrote
// reach the database file without the main connection checkpointing, close() folds the WAL back, and the worker
// never keeps a process alive.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type { DataWrite } from "../../lib/data/layer.ts";
import { createSqliteLayer } from "../../lib/data/sqlite.ts";
import { message } from "./contract.ts";

const dir = mkdtempSync(join(tmpdir(), "chatwire-sqlite-checkpoint-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshPath = () => join(dir, `case-${++n}.db`);

/** `count` messages of ~2 KB into thread t1: together well under SQLite's own autocheckpoint (1,000 pages). */
const messages = (count: number, from = 0): DataWrite[] =>
  Array.from({ length: count }, (_, i) => ({
    kind: "message",
    threadId: "t1",
    message: message(`m${from + i}`, `${from + i} ${"x".repeat(2000)}`),
  }));

/** Waits (on timers) until `check` holds, or fails after `ms`. */
async function eventually(check: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) assert.fail("the condition never held");
    await sleep(20);
  }
}

describe("SQLite checkpoints in a worker thread", () => {
  test("a commit's pages reach the database file though the main connection never checkpoints below 1,000 pages", async () => {
    const path = freshPath();
    const layer = createSqliteLayer({ path });
    await layer.migrate();
    await layer.createThread({ id: "t1" });
    // Only a checkpoint writes into the database file in WAL mode: its size is where the pages went.
    const before = statSync(path).size;
    await layer.apply(messages(100));
    await eventually(() => statSync(path).size >= before + 100 * 2000, 20_000);
    const thread = await layer.loadThread("t1");
    await layer.close();
    assert.equal(thread?.steps.length, 100);
  });

  test("close() stops the worker first: the main connection is the last one, folds the WAL back and removes it", async () => {
    const path = freshPath();
    const layer = createSqliteLayer({ path });
    await layer.migrate();
    await layer.createThread({ id: "t1" });
    for (let batch = 0; batch < 5; batch++) await layer.apply(messages(20, batch * 20));
    await layer.close();
    assert.equal(existsSync(`${path}-wal`), false);
    const reopened = createSqliteLayer({ path });
    await reopened.migrate();
    const thread = await reopened.loadThread("t1");
    await reopened.close();
    assert.deepEqual(
      thread?.steps.map((step) => step.id),
      Array.from({ length: 100 }, (_, i) => `m${i}`),
    );
  });

  test("a process that wrote and never closed its layer still exits on its own", async () => {
    const path = freshPath();
    const script = `
      import { createSqliteLayer } from ${JSON.stringify(new URL("../../lib/data/sqlite.ts", import.meta.url).href)};
      const layer = createSqliteLayer({ path: ${JSON.stringify(path)} });
      await layer.migrate();
      await layer.createThread({ id: "t1" });
      await layer.apply([{ kind: "thread_patch", threadId: "t1", patch: { name: "kept" } }]);
      console.log("written");
    `;
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    assert.equal(code, 0);
    assert.equal(out.trim(), "written");
    const layer = createSqliteLayer({ path });
    await layer.migrate();
    const thread = await layer.getThread("t1");
    await layer.close();
    assert.equal(thread?.name, "kept");
  });
});
