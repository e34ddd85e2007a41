// What every benchmark server shares: the ready line, and two controls the runner uses — SIGUSR2 collects garbage
// and reports RSS; a `gc` line on stdin reports the garbage collector's pauses so far (perf_hooks "gc" entries).
// Servers print one JSON object per line on stdout; the runner reads them (see bench/runner/process.ts).
import { constants, PerformanceObserver } from "node:perf_hooks";
import { createInterface } from "node:readline";

/** Main-thread GC pauses since start: all of them, and the major (mark-compact) ones. */
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

const gc = { ms: 0, count: 0, majorMs: 0, majorCount: 0 };

function watchGc(): void {
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gc.ms += entry.duration;
      gc.count++;
      const kind = (entry as { detail?: { kind?: number } }).detail?.kind;
      if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
        gc.majorMs += entry.duration;
        gc.majorCount++;
      }
    }
  }).observe({ entryTypes: ["gc"] });
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
  watchGc();
  process.on("SIGUSR2", reportRss);
  process.on("SIGTERM", () => process.exit(0));
  const lines = createInterface({ input: process.stdin });
  lines.on("line", (line) => {
    if (line === "gc") say({ gc: { ...gc } });
  });
  say({ ready: port, uptimeMs: Math.round(process.uptime() * 1000) });
}

/** The port to listen on: BENCH_PORT, else any free one. */
export const benchPort = (): number => Number(process.env.BENCH_PORT ?? 0);
