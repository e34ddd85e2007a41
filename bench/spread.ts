// Why one server's CPU per round trip spreads from run to run: N fresh processes, one throughput window each, with
// every counter that could tell a slow run from a fast one, and (with --profile) each run's CPU profile.
// Usage: node --import tsx bench/spread.ts [--target=chatwire] [--runs=8] [--connections=100] [--profile]
import { readdirSync } from "node:fs";
import { loadavg } from "node:os";
import type { ThroughputResult } from "./load/round-trips.ts";
import { summarise } from "./profile.ts";
import { gcWindow } from "./runner/measure.ts";
import { fullPlan } from "./runner/plan.ts";
import { machine, runLoad, startServer } from "./runner/process.ts";
import { CHATWIRE, targets } from "./runner/targets.ts";

const option = (name: string, fallback: string) =>
  process.argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const target = targets.find((t) => t.name === option("target", CHATWIRE));
if (target === undefined) throw new Error(`no target ${option("target", CHATWIRE)}`);
const runs = Number(option("runs", "8"));
const connections = Number(option("connections", "100"));
const profile = process.argv.includes("--profile");
const dir = new URL("results/spread/", import.meta.url).pathname;

interface ProfiledRun {
  readonly cpu: number;
  readonly file: string;
  readonly trips: number;
  readonly skipMs: number;
}

/** Self time per round trip (µs) of the functions that differ most between the cheapest and the dearest run. */
function compare(cheap: ProfiledRun, dear: ProfiledRun): string[] {
  const perTrip = (run: ProfiledRun) =>
    new Map(summarise(run.file, run.skipMs).functions.map((f) => [f.name, (f.ms * 1000) / run.trips]));
  const a = perTrip(cheap);
  const b = perTrip(dear);
  const names = new Set([...a.keys(), ...b.keys()]);
  return [...names]
    .map((name) => ({ name, a: a.get(name) ?? 0, b: b.get(name) ?? 0 }))
    .sort((x, y) => y.b - y.a - (x.b - x.a))
    .slice(0, 15)
    .map((f) => `  ${f.a.toFixed(2).padStart(6)} -> ${f.b.toFixed(2).padStart(6)} us  ${f.name}`);
}

console.log(`${target.name}: ${runs} runs @${connections} connections x ${fullPlan.inflight} in flight`);
console.log("run  us/rt  rt/s     core%  writes/rt  reads/rt  gc%   major GCs  load");
const rows: { cpu: number; file?: string | undefined; trips: number; skipMs: number }[] = [];
for (let i = 0; i < runs; i++) {
  const flags = profile ? ["--cpu-prof", `--cpu-prof-dir=${dir}`] : [];
  const server = await startServer(target.script, target.args, target.path, flags);
  const gc = gcWindow(server);
  let r: ThroughputResult;
  try {
    r = await runLoad<ThroughputResult>(
      {
        scenario: "throughput",
        wire: target.wire,
        url: server.url,
        serverPid: server.pid,
        ticksPerSecond: machine.ticksPerSecond,
        connections,
        inflight: fullPlan.inflight,
        warmupMs: fullPlan.warmupMs,
        measureMs: fullPlan.measureMs,
      },
      gc.hooks,
    );
  } finally {
    await server.stop();
  }
  const file = profile
    ? readdirSync(dir).find((name) => name.includes(`.${server.pid}.0.`) && name.endsWith(".cpuprofile"))
    : undefined;
  const trips = (r.roundTripsPerSec * fullPlan.measureMs) / 1000;
  rows.push({
    cpu: r.cpuMicrosPerRoundTrip,
    file: file === undefined ? undefined : dir + file,
    trips,
    skipMs: server.uptimeMs + fullPlan.warmupMs,
  });
  console.log(
    [
      String(i + 1).padEnd(4),
      r.cpuMicrosPerRoundTrip.toFixed(1).padStart(5),
      Math.round(r.roundTripsPerSec).toString().padStart(7),
      (r.serverCpuShare * 100).toFixed(0).padStart(5),
      r.writesPerRoundTrip.toFixed(3).padStart(9),
      r.readsPerRoundTrip.toFixed(3).padStart(9),
      (await gc.share()).toFixed(1).padStart(5),
      String(await gc.majors()).padStart(10),
      loadavg()[0]?.toFixed(2),
    ].join("  "),
  );
}
const profiled = rows
  .flatMap((row) => (row.file === undefined ? [] : [{ ...row, file: row.file }]))
  .sort((a, b) => a.cpu - b.cpu);
const cheap = profiled[0];
const dear = profiled.at(-1);
if (cheap !== undefined && dear !== undefined && cheap !== dear) {
  console.log(
    `\nself time per round trip, cheapest run (${cheap.cpu.toFixed(1)} us) -> dearest (${dear.cpu.toFixed(1)} us):`,
  );
  console.log(compare(cheap, dear).join("\n"));
}
