// The kill -9 tests of the data layers (spec/data/crash*.test.ts): spec/data/crash-writer.ts records a conversation
// into `target` (a SQLite file or a PostgreSQL URL), is killed once its flush() resolved, and what it flushed must
// all be there afterwards.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import type { TestContext } from "node:test";
import type { LoadedThread } from "../../lib/data/layer.ts";
import { typescriptLoader } from "./process.ts";

/** Runs crash-writer.ts on `target` until it prints "flushed" (within `timeoutMs`), then kills it with kill -9. */
export async function killWriterAfterFlush(t: TestContext, target: string, timeoutMs: number): Promise<void> {
  const writer = join(import.meta.dirname, "../data/crash-writer.ts");
  const child = spawn(process.execPath, [...typescriptLoader, writer, target], { stdio: ["ignore", "pipe", "pipe"] });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  let stderr = "";
  child.stderr.on("data", (chunk) => {
    stderr += String(chunk);
  });
  let stdout = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no "flushed" within ${timeoutMs / 1000} s; stderr: ${stderr}`)),
      timeoutMs,
    );
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
}

/** Everything the writer recorded before its flush() resolved is in `thread`, and what came after it is a clean
 * prefix of its later writes (whole batches, in order), never a torn write. */
export function assertFlushedKept(thread: LoadedThread | undefined): void {
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
}
