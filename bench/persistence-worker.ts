// The recorder's SQLite writes on the main thread or in a worker thread: process CPU per persisted message,
// messages/s, and the main thread's event-loop delay, as docs/persistence.md compares them. The worker runs the
// built layer (dist/: run `npm run build` first). Run: node --import tsx bench/persistence-worker.ts [seconds]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import type { DataLayer, DataWrite } from "../lib/data/layer.ts";
import { createRecorder } from "../lib/data/recorder.ts";
import { createSqliteLayer } from "../lib/data/sqlite.ts";

const seconds = Number(process.argv[2] ?? 3);
const THREADS = 20;
const dist = new URL("../dist/index.js", import.meta.url).href;
// The worker: the same SQLite layer, applying each batch it is sent and answering with its id.
const workerCode = `
const { parentPort, workerData } = require("node:worker_threads");
import(workerData.dist).then(async ({ createSqliteLayer }) => {
  const layer = createSqliteLayer({ path: workerData.path });
  await layer.migrate();
  parentPort.on("message", ({ id, writes }) =>
    layer.apply(writes).then(() => parentPort.postMessage({ id }), (e) => parentPort.postMessage({ id, error: String(e) })));
  parentPort.postMessage({ ready: true });
});`;

/** `main` with its `apply` sent to a worker thread owning its own connection to the same file. */
async function inWorker(main: DataLayer, path: string): Promise<{ layer: DataLayer; stop: () => Promise<number> }> {
  const worker = new Worker(workerCode, { eval: true, workerData: { path, dist } });
  await new Promise((resolve) => worker.once("message", resolve));
  const pending = new Map<number, (error?: string) => void>();
  let next = 0;
  worker.on("message", ({ id, error }: { id: number; error?: string }) => pending.get(id)?.(error));
  const apply = (writes: readonly DataWrite[]) =>
    new Promise<void>((resolve, reject) => {
      const id = next++;
      pending.set(id, (error) => {
        pending.delete(id);
        if (error === undefined) resolve();
        else reject(new Error(error));
      });
      worker.postMessage({ id, writes });
    });
  return { layer: { ...main, apply }, stop: () => worker.terminate() };
}

async function measure(mode: "main thread" | "worker thread") {
  const dir = mkdtempSync(join(tmpdir(), "chatwire-worker-bench-"));
  const path = join(dir, "bench.db");
  const main = createSqliteLayer({ path });
  await main.migrate();
  const worker = mode === "worker thread" ? await inWorker(main, path) : undefined;
  const recorder = createRecorder(worker?.layer ?? main, { maxQueue: 100_000 });
  for (let t = 0; t < THREADS; t++) recorder.ensureThread({ id: `t${t}` });
  await recorder.flush();
  let count = 0;
  const run = async (ms: number) => {
    for (const end = performance.now() + ms; performance.now() < end; ) {
      for (let t = 0; t < THREADS; t++) {
        const id = `m${count++}`;
        const message = { id, role: "assistant" as const, author: "A", content: id, createdAt: "", actions: [] };
        recorder.record(`t${t}`, { type: "message_new", message });
      }
      await recorder.flush();
    }
  };
  await run(500);
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const cpu = process.cpuUsage();
  const [started, before] = [performance.now(), count];
  await run(seconds * 1000);
  const used = process.cpuUsage(cpu);
  const messages = count - before;
  delay.disable();
  const row = {
    "CPU µs/message": Math.round(((used.user + used.system) / messages) * 10) / 10,
    "messages/s": Math.round((messages * 1000) / (performance.now() - started)),
    "event-loop delay p99 ms": Math.round(delay.percentile(99) / 1e4) / 100,
  };
  await worker?.stop();
  await main.close();
  rmSync(dir, { recursive: true, force: true });
  return row;
}

const rows: Record<string, unknown>[] = [];
for (let i = 0; i < 3; i++) {
  rows.push({ mode: "main thread", ...(await measure("main thread")) });
  rows.push({ mode: "worker thread", ...(await measure("worker thread")) });
}
console.log(`recorder -> SQLite, ${THREADS} threads, a flush per round, ${seconds} s per run`);
console.table(rows);
