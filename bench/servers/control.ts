// What every benchmark server shares: the ready line, and two controls the runner uses — SIGUSR2 collects garbage
// and reports RSS; `gc start` / `gc stop` lines on stdin bound a window whose GC pauses `gc stop` reports
// (v8.GCProfiler: synchronous, so a busy event loop cannot shift pauses into the next window).
// Servers print one JSON object per line on stdout; the runner reads them (see bench/runner/process.ts).
import { createInterface } from "node:readline";
import { GCProfiler } from "node:v8";

/** Main-thread GC pauses in a window: all of them, and the major (mark-compact) ones. */
export interface GcTotals {
  readonly ms: number;
  readonly count: number;
  readonly majorMs: number;
  readonly majorCount: number;
}

/** A line a server prints for the runner. */
export type ServerLine =
  | { readonly ready: number; readonly uptimeMs: number }
  | { readonly rss: number }
  | { readonly gc: GcTotals };

const say = (line: ServerLine) => process.stdout.write(`${JSON.stringify(line)}\n`);

let profiler: GCProfiler | undefined;

/** `start` begins a window (and reports nothing yet: zeros); `stop` ends it and reports its pauses. */
function gcWindow(command: string): GcTotals {
  const totals = { ms: 0, count: 0, majorMs: 0, majorCount: 0 };
  const stats = profiler?.stop()?.statistics ?? [];
  profiler = undefined;
  if (command === "start") {
    profiler = new GCProfiler();
    profiler.start();
    return totals;
  }
  for (const { gcType, cost } of stats) {
    totals.ms += cost / 1000; // µs
    totals.count++;
    if (gcType === "MarkSweepCompact") {
      totals.majorMs += cost / 1000;
      totals.majorCount++;
    }
  }
  return totals;
}

/** Collects garbage twice (the second pass frees what the first one's finalisers released), then reports RSS. */
function reportRss(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (collect === undefined) throw new Error("start benchmark servers with --expose-gc");
  collect();
  setImmediate(() => {
    collect();
    say({ rss: process.memoryUsage().rss });
  });
}

/** Call once the server accepts connections: prints the port and installs the controls. */
export function announceReady(port: number): void {
  process.on("SIGUSR2", reportRss);
  process.on("SIGTERM", () => process.exit(0));
  const lines = createInterface({ input: process.stdin });
  lines.on("line", (line) => {
    if (line === "gc start" || line === "gc stop") say({ gc: gcWindow(line.slice(3)) });
  });
  say({ ready: port, uptimeMs: Math.round(process.uptime() * 1000) });
}

/** The port to listen on: BENCH_PORT, else any free one. */
export const benchPort = (): number => Number(process.env.BENCH_PORT ?? 0);
