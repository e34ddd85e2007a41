// Round trips: a user message out, complete when its task_end comes back (tasks end in order on a connection).
import { cpuMicros, syscalls } from "./cpu.ts";
import { closeAll, connect, connectMany, type Link } from "./link.ts";
import { mark } from "./marks.ts";
import type { LatencyJob, ThroughputJob } from "./options.ts";

const message = { type: "user_message", id: "m1", content: "hi" };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Counts of one measured window. */
export interface ThroughputResult {
  readonly roundTripsPerSec: number;
  readonly cpuMicrosPerRoundTrip: number;
  /** Share of one core the server used in the window (below 1: the load generator, not the server, was the limit). */
  readonly serverCpuShare: number;
  /** The server's write-family (write, writev) and read-family system calls per round trip. */
  readonly writesPerRoundTrip: number;
  readonly readsPerRoundTrip: number;
  readonly errors: number;
  /** Error frames by code. */
  readonly errorCodes: Record<string, number>;
  /** Round trips never answered: still outstanding after the load stopped and answers stopped coming for 5 s. */
  readonly lost: number;
}

/** Drives every connection with `inflight` messages outstanding and measures a window after the warm-up. */
export async function throughput(job: ThroughputJob): Promise<ThroughputResult> {
  let completed = 0;
  let sent = 0;
  let errors = 0;
  const errorCodes: Record<string, number> = {};
  let running = true;
  const links: Link[] = [];
  // Per connection; a task_end with nothing outstanding is the app's onChatStart task, not a round trip.
  const outstanding = new Int32Array(job.connections);
  const fire = (index: number) => {
    sent++;
    outstanding[index] = (outstanding[index] ?? 0) + 1;
    links[index]?.send(message);
  };
  const open = (index: number) =>
    connect(job.wire, job.url, (type, frame) => {
      if (type === "task_end") {
        if (outstanding[index] === 0) return;
        outstanding[index] = (outstanding[index] ?? 1) - 1;
        completed++;
        if (running) fire(index);
      } else if (type === "error") {
        errors++;
        const code = String(frame().code);
        errorCodes[code] = (errorCodes[code] ?? 0) + 1;
      }
    });
  links.push(...(await connectMany(job.connections, open)));
  for (let index = 0; index < links.length; index++) {
    for (let i = 0; i < job.inflight; i++) fire(index);
  }
  await sleep(job.warmupMs);
  mark("start");
  const counters = () => ({
    done: completed,
    cpu: cpuMicros(job.serverPid, job.ticksPerSecond),
    calls: syscalls(job.serverPid),
    at: performance.now(),
  });
  const before = counters();
  await sleep(job.measureMs);
  const after = counters();
  mark("end");
  running = false;
  // Drain: wait while answers keep coming (at most 30 s); what never comes back (5 s of silence) is lost.
  for (let waited = 0, last = completed, still = 0; completed < sent && waited < 30_000 && still < 5000; waited += 20) {
    await sleep(20);
    still = completed === last ? still + 20 : 0;
    last = completed;
  }
  await closeAll(links);
  const trips = after.done - before.done;
  const elapsedUs = (after.at - before.at) * 1000;
  return {
    roundTripsPerSec: (trips * 1_000_000) / elapsedUs,
    cpuMicrosPerRoundTrip: (after.cpu - before.cpu) / trips,
    serverCpuShare: (after.cpu - before.cpu) / elapsedUs,
    writesPerRoundTrip: (after.calls.writes - before.calls.writes) / trips,
    readsPerRoundTrip: (after.calls.reads - before.calls.reads) / trips,
    errors,
    errorCodes,
    lost: sent - completed,
  };
}

/** Latency percentiles in milliseconds. */
export interface LatencyResult {
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly samples: number;
}

const percentile = (sorted: Float64Array, p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;

/** One message outstanding per connection; every round trip after the warm-up is a sample. */
export async function latency(job: LatencyJob): Promise<LatencyResult> {
  const samples = new Float64Array(2_000_000);
  let count = 0;
  let recording = false;
  let running = true;
  const links: Link[] = [];
  const started = new Float64Array(job.connections); // 0: nothing outstanding (an onChatStart task_end is ignored)
  const fire = (index: number) => {
    started[index] = performance.now();
    links[index]?.send(message);
  };
  const open = (index: number) =>
    connect(job.wire, job.url, (type) => {
      if (type !== "task_end" || started[index] === 0) return;
      if (recording && count < samples.length) samples[count++] = performance.now() - (started[index] ?? 0);
      started[index] = 0;
      if (running) fire(index);
    });
  links.push(...(await connectMany(job.connections, open)));
  for (let i = 0; i < links.length; i++) fire(i);
  await sleep(job.warmupMs);
  recording = true;
  await sleep(job.measureMs);
  recording = false;
  running = false;
  await sleep(100);
  await closeAll(links);
  const sorted = samples.subarray(0, count).sort();
  return {
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    p999Ms: percentile(sorted, 0.999),
    samples: count,
  };
}
