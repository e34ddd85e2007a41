// kill -9 while writing to PostgreSQL, whose batches are one SQL text each (lib/data/postgres-batch.ts): everything
// recorded before a resolved flush() is in the database afterwards, and what came after it is a clean prefix (whole
// batches, in order). The server runs durable, as in production; the writer process is the one killed.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { createPostgresLayer } from "../../lib/data/postgres.ts";
import { startPostgres } from "../support/postgres.ts";
import { typescriptLoader } from "../support/process.ts";

test("kill -9 after flush() loses nothing that was flushed (PostgreSQL)", async (t) => {
  const server = await startPostgres(60_000, { durable: true });
  t.after(() => server.stop());
  const child = spawn(
    process.execPath,
    [...typescriptLoader, join(import.meta.dirname, "crash-writer.ts"), server.url],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  let stderr = "";
  child.stderr.on("data", (chunk) => {
    stderr += String(chunk);
  });
  let stdout = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "flushed" within 30 s; stderr: ${stderr}`)), 30_000);
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

  const layer = createPostgresLayer({ connectionString: server.url });
  t.after(() => layer.close());
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
