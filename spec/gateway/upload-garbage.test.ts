import assert from "node:assert/strict";
import { type PerformanceEntry, PerformanceObserver, performance } from "node:perf_hooks";
import { test } from "node:test";
import { runInNewContext } from "node:vm";
import { COLLECT_EVERY_BYTES, uploadReceived } from "../../lib/gateway/upload-garbage.ts";

/** The kinds of the collections that started while `run` ran (synchronously: nothing else ran meanwhile). */
async function collectionsDuring(run: () => void): Promise<number[]> {
  const kinds: number[] = [];
  let span = { start: 0, end: 0 };
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (entry.startTime >= span.start && entry.startTime <= span.end)
        kinds.push((entry as PerformanceEntry & { detail: { kind: number } }).detail.kind);
    }
  });
  observer.observe({ entryTypes: ["gc"] });
  const start = performance.now();
  run();
  span = { start, end: performance.now() };
  await new Promise((resolve) => setTimeout(resolve, 20));
  observer.disconnect();
  return kinds;
}

const MINOR = 1; // perf_hooks.constants.NODE_PERFORMANCE_GC_MINOR

test("uploads collect the young generation once every COLLECT_EVERY_BYTES received, not before", async () => {
  const quiet = await collectionsDuring(() => uploadReceived(COLLECT_EVERY_BYTES - 1));
  assert.deepEqual(quiet, []);
  const collected = await collectionsDuring(() => uploadReceived(1));
  assert.deepEqual(collected, [MINOR]);
  const again = await collectionsDuring(() => {
    for (let i = 0; i < 4; i++) uploadReceived(COLLECT_EVERY_BYTES / 4);
  });
  assert.deepEqual(again, [MINOR]);
});

test("taking V8's gc leaves no gc global in other contexts", () => {
  uploadReceived(COLLECT_EVERY_BYTES);
  assert.equal(runInNewContext("typeof gc"), "undefined");
  assert.equal(typeof (globalThis as { gc?: unknown }).gc, "undefined");
});
