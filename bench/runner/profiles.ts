// CPU profiles of a server during the round-trip scenario at 100 connections, summarised by bench/profile.ts.
import { mkdirSync, readdirSync } from "node:fs";
import { summarise } from "../profile.ts";
import type { Plan } from "./plan.ts";
import { machine, runLoad, type ServerProcess, startServer } from "./process.ts";
import type { Target } from "./targets.ts";

const dir = new URL("../results/profiles/", import.meta.url).pathname;

/** One profiled run: the main thread's .cpuprofile, the round trips' CPU cost while profiled, and the GC share. */
export interface Profiled {
  readonly path: string;
  /** How long the process took to get ready plus the warm-up: left out of the summary. */
  readonly skipMs: number;
  readonly cpuMicrosPerRoundTrip: number;
  /** (garbage collector) self time as a share (%) of the busy main thread, start-up and warm-up left out. */
  readonly gcShare: number;
}

/** Profiles `target` (node --cpu-prof) during `connections` × plan.inflight round trips. */
export async function profileServer(target: Target, plan: Plan, connections = 100): Promise<Profiled> {
  mkdirSync(dir, { recursive: true });
  const server: ServerProcess = await startServer(target.script, target.args, target.path, [
    "--cpu-prof",
    `--cpu-prof-dir=${dir}`,
  ]);
  let cpuMicrosPerRoundTrip = Number.NaN;
  try {
    const result = await runLoad<{ cpuMicrosPerRoundTrip: number }>({
      scenario: "throughput",
      wire: target.wire,
      url: server.url,
      serverPid: server.pid,
      ticksPerSecond: machine.ticksPerSecond,
      connections,
      inflight: plan.inflight,
      warmupMs: plan.warmupMs,
      measureMs: plan.measureMs,
    });
    cpuMicrosPerRoundTrip = result.cpuMicrosPerRoundTrip;
  } finally {
    await server.stop();
  }
  // Node names it CPU.<date>.<time>.<pid>.<thread>.<n>.cpuprofile; thread 0 is the main one (tsx's loader is another).
  const main = readdirSync(dir).find((name) => name.includes(`.${server.pid}.0.`) && name.endsWith(".cpuprofile"));
  if (main === undefined) throw new Error("the profiled server wrote no main-thread .cpuprofile");
  const path = dir + main;
  const skipMs = server.uptimeMs + plan.warmupMs;
  const { total, areas } = summarise(path, skipMs);
  const gcMs = areas.find((area) => area.name === "(garbage collector)")?.ms ?? 0;
  return { path, skipMs, cpuMicrosPerRoundTrip, gcShare: (gcMs / total) * 100 };
}
