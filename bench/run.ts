// `npm run bench`: every server under test, one at a time in its own process, against the same load generator.
// Flags: --quick (one short pass), --only=name,name (a subset of servers), --profile (always profile chatwire),
// --round-trips (only the round-trip rows: throughput and CPU per round trip), --repetitions=N.
// BENCH_BASELINE=<checkout> adds "chatwire@baseline": the same server from another checkout (built there with
// `npm run build`), e.g. the commit before a change, measured in the same run.

import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import type { AudioResult } from "./load/audio.ts";
import type { LoadJob, Scenario } from "./load/options.ts";
import type { LatencyResult, ThroughputResult } from "./load/round-trips.ts";
import type { StreamResult } from "./load/stream.ts";
import { renderSummary } from "./profile.ts";
import { checkGoals, describeGoal } from "./runner/goals.ts";
import { metricsOf, Samples } from "./runner/metrics.ts";
import { fullPlan, type Plan, quickPlan } from "./runner/plan.ts";
import { machine, runLoad, type ServerProcess, startServer, timeToAccept } from "./runner/process.ts";
import { renderTable } from "./runner/table.ts";
import { FLOOR, type Target, targets } from "./runner/targets.ts";
import { AUDIO_REPORT_EVERY } from "./servers/chatwire-app.ts";

const quick = process.argv.includes("--quick");
const alwaysProfile = process.argv.includes("--profile");
const only = process.argv
  .find((arg) => arg.startsWith("--only="))
  ?.slice(7)
  .split(",");
const roundTripsOnly = process.argv.includes("--round-trips");
const repetitions = Number(process.argv.find((arg) => arg.startsWith("--repetitions="))?.slice(14));
const base = { ...(quick ? quickPlan : fullPlan), ...(repetitions > 0 ? { repetitions } : {}) };
// Each idle session is one file descriptor in the server and one in the load generator.
const plan: Plan = { ...base, idleSessions: Math.min(base.idleSessions, machine.openFiles - 512) };
const resultsDir = new URL("results/", import.meta.url).pathname;
const root = new URL("..", import.meta.url).pathname;
const notes: string[] = [];
const note = (text: string) => {
  notes.push(text);
  console.log(`note: ${text}`);
};

if (!machine.pinned) note("taskset not found: server and load generator are not pinned to separate cores");
if (plan.idleSessions < base.idleSessions)
  note(`open-file limit ${machine.openFiles}: ${plan.idleSessions} idle sessions`);

const chosen = targets.filter((target) => only === undefined || only.includes(target.name));
const runnable = chosen.filter((target) => {
  const why = target.unavailable?.();
  if (why !== undefined) note(`skipping ${target.name}: ${why}`);
  return why === undefined;
});

/** Runs every scenario once against one fresh server process, adding a sample per metric. */
async function measure(target: Target, samples: Samples): Promise<void> {
  const server = await startServer(target.script, target.args, target.path);
  const add = (key: string, value: number) => samples.add(target.name, key, value);
  const job = { wire: target.wire, url: server.url, serverPid: server.pid, ticksPerSecond: machine.ticksPerSecond };
  const load = <R>(scenario: Scenario, onConnected?: () => Promise<void>) =>
    runLoad<R>({ ...job, ...scenario } as LoadJob, onConnected);
  try {
    if (roundTripsOnly) {
      await roundTrips(target, load, add);
      return;
    }
    add("startup", server.startupMs);
    if (target.cli !== undefined) {
      // In a scratch directory: `chatwire run` persists to .chatwire/ under the current one by default.
      const scratch = `${resultsDir}startup/`;
      mkdirSync(scratch, { recursive: true });
      const app = target.cli.map((arg) => (arg.startsWith("bench/") || arg.startsWith("bin/") ? `${root}${arg}` : arg));
      add("startup.cli", await timeToAccept(app, scratch));
    }
    add("uptime", server.uptimeMs);
    // Idle sessions first, on the fresh process, so no earlier scenario's heap growth counts.
    const before = await server.rss();
    let after = before;
    await load({ scenario: "idle", connections: plan.idleSessions }, async () => {
      after = await server.rss();
    });
    add("session", (after - before) / 1024 / plan.idleSessions);
    let { errors, lost } = await roundTrips(target, load, add);
    const l = await load<LatencyResult>({
      scenario: "latency",
      connections: plan.latencyConnections,
      warmupMs: plan.warmupMs,
      measureMs: plan.measureMs,
    });
    add("p50", l.p50Ms);
    add("p99", l.p99Ms);
    add("p999", l.p999Ms);
    const s = await load<StreamResult>({ scenario: "stream", tokens: plan.tokens });
    if (!s.complete) note(`${target.name}: a stream arrived incomplete`);
    add("tokps", s.tokensPerSec);
    add("ttft", s.firstTokenMs);
    add("tokframes", s.tokenFrames);
    add("tokcpu", s.cpuMicrosPerToken);
    if (target.audio) {
      for (const form of ["binary", "json"] as const) {
        const a = await load<AudioResult>({
          scenario: "audio",
          form,
          totalBytes: plan.audioBytes,
          chunkBytes: plan.audioChunkBytes,
          reportEvery: AUDIO_REPORT_EVERY,
        });
        if (a.bytesReceived !== Math.ceil(plan.audioBytes / plan.audioChunkBytes) * plan.audioChunkBytes) {
          note(`${target.name}: audio (${form}) delivered ${a.bytesReceived} bytes`);
        }
        add(`audio.${form}`, a.megabytesPerSec);
        add(`audiocpu.${form}`, a.cpuMicrosPerMegabyte);
        errors += a.errors;
      }
    }
    add("errors", errors);
    add("lost", lost);
  } finally {
    await server.stop();
  }
}

/** The round-trip rows: throughput and server CPU per round trip at each connection count. */
async function roundTrips(
  target: Target,
  load: <R>(scenario: Scenario) => Promise<R>,
  add: (key: string, value: number) => void,
): Promise<{ errors: number; lost: number }> {
  let errors = 0;
  let lost = 0;
  for (const connections of plan.connectionCounts) {
    const r = await load<ThroughputResult>({
      scenario: "throughput",
      connections,
      inflight: plan.inflight,
      warmupMs: plan.warmupMs,
      measureMs: plan.measureMs,
    });
    add(`rtps@${connections}`, r.roundTripsPerSec);
    add(`cpu@${connections}`, r.cpuMicrosPerRoundTrip);
    errors += r.errors;
    lost += r.lost;
    if (r.errors > 0) note(`${target.name} @${connections} connections: error frames ${JSON.stringify(r.errorCodes)}`);
  }
  return { errors, lost };
}

/** Profiles a server during the round-trip scenario at 100 connections: the main thread's .cpuprofile, and how
 * long the process took to get ready (to leave out of the summary). */
async function profileServer(target: Target): Promise<{ path: string; readyMs: number }> {
  const dir = `${resultsDir}profiles/`;
  mkdirSync(dir, { recursive: true });
  const server: ServerProcess = await startServer(target.script, target.args, target.path, [
    "--cpu-prof",
    `--cpu-prof-dir=${dir}`,
  ]);
  try {
    await runLoad({
      scenario: "throughput",
      wire: target.wire,
      url: server.url,
      serverPid: server.pid,
      ticksPerSecond: machine.ticksPerSecond,
      connections: 100,
      inflight: plan.inflight,
      warmupMs: plan.warmupMs,
      measureMs: plan.measureMs,
    });
  } finally {
    await server.stop();
  }
  // Node names it CPU.<date>.<time>.<pid>.<thread>.<n>.cpuprofile; thread 0 is the main one (tsx's loader is another).
  const main = readdirSync(dir).find((name) => name.includes(`.${server.pid}.0.`) && name.endsWith(".cpuprofile"));
  if (main === undefined) throw new Error("the profiled server wrote no main-thread .cpuprofile");
  return { path: dir + main, readyMs: server.uptimeMs };
}

const samples = new Samples();
const started = Date.now();
console.log(
  `chatwire bench (${quick ? "quick" : "full"}): ${plan.repetitions} repetition(s) of ${runnable.map((t) => t.name).join(", ")}; ` +
    `server on core 0, load on core 1; CLK_TCK ${machine.ticksPerSecond}`,
);
for (let rep = 0; rep < plan.repetitions; rep++) {
  // Interleave: each repetition runs every server once, starting from a different one.
  const order = runnable.map((_, i) => runnable[(i + rep) % runnable.length] as Target);
  for (const target of order) {
    const t0 = Date.now();
    try {
      await measure(target, samples);
      console.log(
        `  [${rep + 1}/${plan.repetitions}] ${target.name} done in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
      );
    } catch (error) {
      note(`${target.name}, repetition ${rep + 1}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

const names = runnable.map((target) => target.name);
const table = renderTable(samples, metricsOf(plan), names);
const goals = checkGoals(samples, plan);
console.log(`\n${table}\n\nTargets (issue 7, medians of this run; ratios to ${FLOOR}):`);
for (const goal of goals) console.log(`  ${describeGoal(goal)}`);

const profiles: { target: string; file: string; summary: string }[] = [];
const missedCpu = (name: string) =>
  goals.some((goal) => !goal.pass && goal.goal.startsWith("CPU") && goal.goal.includes(`: ${name} <=`));
const toProfile = runnable.filter(
  (target) => target.name.startsWith("chatwire") && (alwaysProfile || missedCpu(target.name)),
);
const floor = runnable.find((target) => target.name === FLOOR);
if (toProfile.length > 0) {
  // The floor too, so chatwire's profile can be read against what the transport alone costs.
  for (const target of floor === undefined ? toProfile : [...toProfile, floor]) {
    try {
      const { path, readyMs } = await profileServer(target);
      // Leave out start-up and the connections' set-up: the summary is the measured window's hot path.
      const summary = renderSummary(path, 25, readyMs + plan.warmupMs);
      profiles.push({ target: target.name, file: path, summary });
      console.log(`\nProfile of ${target.name}, round trips at 100 connections (${path}):\n${summary}`);
    } catch (error) {
      note(`profile of ${target.name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

const persistenceBench = new URL("persistence.ts", import.meta.url).pathname;
if (!quick && only === undefined && existsSync(persistenceBench)) {
  console.log("\nbench/persistence.ts:");
  const run = spawnSync(process.execPath, ["--import", "tsx", persistenceBench], {
    stdio: "inherit",
    timeout: 180_000,
  });
  if (run.status !== 0) note(`bench/persistence.ts exited with ${run.status ?? run.signal}`);
}

mkdirSync(resultsDir, { recursive: true });
for (const name of readdirSync(resultsDir)) {
  if (/^bench-\d+\.db/.test(name)) rmSync(resultsDir + name); // the chatwire+sqlite servers' databases
}
const git = (...args: string[]) => spawnSync("git", args, { encoding: "utf8" }).stdout.trim();
const commit = `${git("rev-parse", "--short", "HEAD")}${git("status", "--porcelain", "lib").length > 0 ? " + uncommitted lib/" : ""}`;
const stamp = new Date().toISOString().replace(/[:.]/g, "-");
const report = {
  at: new Date().toISOString(),
  quick,
  plan,
  machine,
  node: process.version,
  commit,
  samples,
  goals,
  notes,
  profiles,
  table,
};
writeFileSync(`${resultsDir}${stamp}.json`, JSON.stringify(report, null, 2));
writeFileSync(`${resultsDir}latest.json`, JSON.stringify(report, null, 2));
console.log(`\nresults: bench/results/${stamp}.json (${((Date.now() - started) / 1000).toFixed(0)} s)`);
for (const n of notes) console.log(`note: ${n}`);
process.exit(0);
