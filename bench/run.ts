// `npm run bench`: every server under test, one at a time in its own process, against the same load generator,
// in interleaved repetitions. Flags: --quick (one short pass), --only=name,name (a subset of servers),
// --reps=N (repetitions), --scenarios=voice,stream (a subset of scenarios), --voice-sessions=N (the output-audio
// scenario's concurrency, default 100), --profile (always profile chatwire and the floor; a full run does anyway).

import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { renderSummary } from "./profile.ts";
import { checkGoals, describeGoal, type OtherResults } from "./runner/goals.ts";
import { measure } from "./runner/measure.ts";
import { metricsOf, Samples } from "./runner/metrics.ts";
import { fullPlan, type Plan, quickPlan, SCENARIOS, type Scenario } from "./runner/plan.ts";
import { machine } from "./runner/process.ts";
import { type Profiled, profileServer } from "./runner/profiles.ts";
import { renderRuns, renderTable } from "./runner/table.ts";
import { CHATWIRE, FLOOR, SQLITE, type Target, targets } from "./runner/targets.ts";

const quick = process.argv.includes("--quick");
const flag = (name: string) =>
  process.argv
    .find((arg) => arg.startsWith(`--${name}=`))
    ?.slice(name.length + 3)
    .split(",");
const only = flag("only");
const reps = Number(flag("reps")?.[0] ?? Number.NaN);
const scenarios = flag("scenarios");
const unknown = scenarios?.filter((name) => !(SCENARIOS as readonly string[]).includes(name)) ?? [];
if (unknown.length > 0) throw new Error(`--scenarios: unknown ${unknown.join(", ")} (known: ${SCENARIOS.join(", ")})`);
const sessions = Number(flag("voice-sessions")?.[0] ?? Number.NaN);
const base = quick ? quickPlan : fullPlan;
const everything = only === undefined && scenarios === undefined;
const alwaysProfile = process.argv.includes("--profile") || (!quick && everything);
// Each idle session is one file descriptor in the server and one in the load generator.
const plan: Plan = {
  ...base,
  repetitions: reps > 0 ? reps : base.repetitions,
  idleSessions: Math.min(base.idleSessions, machine.openFiles - 512),
  ...(sessions > 0 ? { voiceSessions: sessions } : {}),
  ...(scenarios === undefined ? {} : { scenarios: scenarios as Scenario[] }),
};
const resultsDir = new URL("results/", import.meta.url).pathname;
const notes: string[] = [];
const note = (text: string) => {
  notes.push(text);
  console.log(`note: ${text}`);
};
const load = () =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(" ");

if (!machine.pinned) note("taskset not found: server and load generator are not pinned to separate cores");
if (plan.idleSessions < base.idleSessions)
  note(`open-file limit ${machine.openFiles}: ${plan.idleSessions} idle sessions`);

const chosen = targets.filter((target) => only === undefined || only.includes(target.name));
const runnable = chosen.filter((target) => {
  const why = target.unavailable?.();
  if (why !== undefined) note(`skipping ${target.name}: ${why}`);
  return why === undefined;
});

const samples = new Samples();
const started = Date.now();
const runs: { repetition: number; target: string; seconds: number; loadStart: string; loadEnd: string }[] = [];
console.log(
  `chatwire bench (${quick ? "quick" : "full"}): ${plan.repetitions} interleaved repetition(s) of ` +
    `${runnable.map((t) => t.name).join(", ")}; server on core 0, load on core 1; CLK_TCK ${machine.ticksPerSecond}; ` +
    `load average ${load()}`,
);
for (let rep = 0; rep < plan.repetitions; rep++) {
  // Interleave: each repetition runs every server once, starting from a different one.
  const order = runnable.map((_, i) => runnable[(i + rep) % runnable.length] as Target);
  for (const target of order) {
    const t0 = Date.now();
    const loadStart = load();
    try {
      await measure(target, samples, rep, plan, note);
    } catch (error) {
      note(`${target.name}, repetition ${rep + 1}: ${error instanceof Error ? error.message : String(error)}`);
    }
    const seconds = (Date.now() - t0) / 1000;
    runs.push({ repetition: rep + 1, target: target.name, seconds, loadStart, loadEnd: load() });
    console.log(
      `  [${rep + 1}/${plan.repetitions}] ${target.name} in ${seconds.toFixed(1)} s; load ${loadStart} -> ${load()}; ` +
        `CPU us/round trip @100: ${samples.runs(target.name, "cpu@100").get(rep)?.toFixed(1) ?? "-"}`,
    );
  }
}

const profiles: ({ target: string } & Profiled)[] = [];
const other: { -readonly [K in keyof OtherResults]: OtherResults[K] } = {};
const toProfile = runnable.filter((target) => alwaysProfile && [CHATWIRE, SQLITE, FLOOR].includes(target.name));
for (const target of toProfile) {
  try {
    const profiled = await profileServer(target, plan);
    profiles.push({ target: target.name, ...profiled });
    if (target.name === CHATWIRE) other.profileGcShare = profiled.gcShare;
  } catch (error) {
    note(`profile of ${target.name}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Runs one of the benches beside the repeated runs (full run only), printing its output as it gives it; its last
 * stdout line, when JSON, is its result. */
function sideBench<T>(file: string, heading: string, args: readonly string[] = []): T | undefined {
  const path = new URL(file, import.meta.url).pathname;
  if (quick || !everything || !existsSync(path)) return undefined;
  console.log(`\nbench/${file}${heading}:`);
  const run = spawnSync(process.execPath, ["--import", "tsx", path, ...args], {
    stdio: ["ignore", "pipe", "inherit"],
    encoding: "utf8",
    timeout: 300_000,
  });
  const lines = (run.stdout ?? "").trimEnd().split("\n");
  const result = lines.at(-1)?.startsWith("{") ? (JSON.parse(lines.pop() as string) as T) : undefined;
  console.log(lines.join("\n"));
  if (run.status !== 0) note(`bench/${file} exited with ${run.status ?? run.signal}`);
  return result;
}

other.postgresPerSecond = sideBench<{ postgres?: number }>("persistence.ts", "")?.postgres;
// Same node vs relayed to another node (issue 18).
sideBench("cluster.ts", " (same node vs relayed)");
// kill -9 to the first recovered token (issue 25).
other.recovery = sideBench<OtherResults["recovery"]>("recovery.ts", " (kill -9 to the first recovered token)");

const names = runnable.map((target) => target.name);
const metrics = metricsOf(plan);
const table = renderTable(samples, metrics, names);
const everyRun = renderRuns(samples, metrics, names);
const goals = checkGoals(samples, plan, other);
for (const { target, path, skipMs, cpuMicrosPerRoundTrip, gcShare } of profiles) {
  console.log(
    `\nProfile of ${target}, round trips at 100 connections (${path}); ` +
      `${cpuMicrosPerRoundTrip.toFixed(1)} us/round trip while profiled, GC ${gcShare.toFixed(1)}% of busy:\n` +
      renderSummary(path, 25, skipMs),
  );
}
console.log(`\n${table}\n\n${everyRun}\n\nTargets (issue 19, medians of this run; ratios to ${FLOOR}):`);
for (const goal of goals) console.log(`  ${describeGoal(goal)}`);

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
  runs,
  samples,
  goals,
  other,
  notes,
  profiles,
  table,
  everyRun,
};
writeFileSync(`${resultsDir}${stamp}.json`, JSON.stringify(report, null, 2));
writeFileSync(`${resultsDir}latest.json`, JSON.stringify(report, null, 2));
console.log(`\nresults: bench/results/${stamp}.json (${((Date.now() - started) / 1000).toFixed(0)} s)`);
for (const n of notes) console.log(`note: ${n}`);
process.exit(0);
