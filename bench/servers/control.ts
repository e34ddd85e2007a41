// What every benchmark server shares: the ready line, and a GC-then-report-RSS control on SIGUSR2.
// Servers print one JSON object per line on stdout; the runner reads them (see bench/runner/process.ts).

/** A line a server prints for the runner. */
export type ServerLine = { readonly ready: number; readonly uptimeMs: number } | { readonly rss: number };

const say = (line: ServerLine) => process.stdout.write(`${JSON.stringify(line)}\n`);

/** Collects garbage twice (the second pass frees what the first one's finalisers released), then reports RSS. */
function reportRss(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error("start benchmark servers with --expose-gc");
  gc();
  setImmediate(() => {
    gc();
    say({ rss: process.memoryUsage().rss });
  });
}

/** Call once the server accepts connections: prints the port and installs the RSS control. */
export function announceReady(port: number): void {
  process.on("SIGUSR2", reportRss);
  process.on("SIGTERM", () => process.exit(0));
  say({ ready: port, uptimeMs: Math.round(process.uptime() * 1000) });
}

/** The port to listen on: BENCH_PORT, else any free one. */
export const benchPort = (): number => Number(process.env.BENCH_PORT ?? 0);
