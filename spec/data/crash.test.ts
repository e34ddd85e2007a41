// kill -9 while writing: everything recorded before a resolved flush() is in the SQLite file afterwards, and what
// came after it is a clean prefix (whole transactions, in order), never a torn write.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { createSqliteLayer } from "../../lib/data/sqlite.ts";
import { typescriptLoader } from "../support/process.ts";

test("kill -9 after flush() loses nothing that was flushed", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "chatwire-crash-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, "chatwire.db");
  const child = spawn(process.execPath, [...typescriptLoader, join(import.meta.dirname, "crash-writer.ts"), path], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  let stderr = "";
  child.stderr.on("data", (chunk) => {
    stderr += String(chunk);
  });

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "flushed" within 15 s; stderr: ${stderr}`)), 15_000);
    let stdout = "";
    child.stdout.on("data", (chunk) => {
      stdout += String(chunk);
      if (stdout.includes("flushed\n")) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`writer exited early (${code}): ${stderr}`));
    });
  });
  const exited = new Promise((resolve) => child.once("exit", (_code, signal) => resolve(signal)));
  child.kill("SIGKILL");
  assert.equal(await exited, "SIGKILL");

  const layer = createSqliteLayer({ path });
  t.after(() => layer.close());
  await layer.migrate();
  const thread = await layer.loadThread("t1");
  assert.ok(thread !== undefined, "the thread survived");
  assert.equal(thread.name, "Plan my trip");
  assert.equal(thread.userIdentifier, "ada");
  const ids = thread.steps.map((s) => s.id);
  const flushed = ["u1", "s1", ...Array.from({ length: 50 }, (_, i) => `m${i}`), "live"];
  assert.deepEqual(ids.slice(0, flushed.length), flushed);
  const live = thread.steps[flushed.length - 1];
  assert.equal(live?.kind === "message" ? live.content : undefined, "partial answer");
  assert.equal(thread.steps[2]?.feedback?.value, 1);
  // Writes after the flush may or may not have made it, but only as whole batches in order: after-0..after-k.
  const after = ids.slice(flushed.length);
  assert.deepEqual(
    after,
    after.map((_, i) => `after-${i}`),
  );
});
