// The targets of issue 19, checked against the medians of one run, each against the batched floor. Printed as
// PASS/MISS with every run's own ratio, never asserted.
import type { Samples } from "./metrics.ts";
import { median } from "./metrics.ts";
import type { Plan } from "./plan.ts";
import { CHATWIRE, FLOOR, SQLITE, SQLITE_NOT_DURABLE } from "./targets.ts";

/** One target and how this run did against it. */
export interface GoalResult {
  readonly goal: string;
  /** The measured ratio or value, and the limit it is held to. */
  readonly value: number;
  readonly limit: number;
  readonly unit: "x" | "ms" | "count" | "%" | "/s";
  readonly pass: boolean;
  /** Each repetition's own ratio or value, in order (empty when the value comes from one measurement). */
  readonly runs: readonly number[];
}

/** Measurements from outside the repeated runs. */
export interface OtherResults {
  /** The (garbage collector)'s share of chatwire's busy main thread in its profile at 100 connections, if profiled. */
  readonly profileGcShare?: number;
  /** bench/persistence.ts: PostgreSQL persisted message_new frames/s (fsync=on, synchronous_commit=on). */
  readonly postgresPerSecond?: number | undefined;
  /** bench/recovery.ts: ms from kill -9 to the first recovered token, on another node (cluster) and restarted. */
  readonly recovery?: { clusterP50: number; clusterP99: number; restartP50: number; restartP99: number } | undefined;
}

/** Checks every target the run has numbers for (a target whose server did not run is left out). */
export function checkGoals(samples: Samples, plan: Plan, other: OtherResults = {}): GoalResult[] {
  const results: GoalResult[] = [];
  const push = (goal: string, value: number | undefined, limit: number, unit: GoalResult["unit"], atMost: boolean) => {
    return (runs: readonly number[] = []) => {
      if (value !== undefined)
        results.push({ goal, value, limit, unit, pass: atMost ? value <= limit : value >= limit, runs });
    };
  };
  const ratio = (a: string, b: string, key: string, limit: number, atMost: boolean, goal: string) => {
    const runs = samples.ratios(a, b, key);
    const top = samples.median(a, key);
    const bottom = samples.median(b, key);
    const value = top === undefined || bottom === undefined || bottom === 0 ? undefined : top / bottom;
    push(goal, value, limit, "x", atMost)(runs);
  };
  for (const n of plan.connectionCounts)
    ratio(CHATWIRE, FLOOR, `cpu@${n}`, 1.05, true, `CPU/round trip @${n}: chatwire <= 1.05 x ${FLOOR}`);
  ratio(CHATWIRE, FLOOR, "p99", 1.15, true, `p99 latency @${plan.latencyConnections}: chatwire <= 1.15 x ${FLOOR}`);
  // GC: the larger of the runs' median (GCProfiler pauses / server busy time) and the profile's (garbage collector).
  const gcRuns = samples.values(CHATWIRE, "gc@100");
  const gcMedian = median(gcRuns);
  const gc = gcMedian === undefined ? other.profileGcShare : Math.max(gcMedian, other.profileGcShare ?? 0);
  push("GC @100: chatwire <= 8% of server CPU (max of runs' median and profile)", gc, 8, "%", true)(gcRuns);
  ratio(CHATWIRE, FLOOR, "session", 1.15, true, `RSS per idle session: chatwire <= 1.15 x ${FLOOR}`);
  ratio(CHATWIRE, FLOOR, "tokps", 1, false, `tokens/s, fast reader: chatwire >= 1.0 x ${FLOOR} (frame per token)`);
  ratio(CHATWIRE, FLOOR, "slow.tokps", 2, false, `tokens/s, slow reader: chatwire >= 2 x ${FLOOR}`);
  const ttft = samples.values(CHATWIRE, "slow.ttft");
  push("time to first token, slow reader: chatwire <= 2 ms", median(ttft), 2, "ms", true)(ttft);
  for (const n of plan.connectionCounts.filter((count) => count >= 100))
    ratio(SQLITE, FLOOR, `cpu@${n}`, 2, true, `CPU/round trip @${n}: chatwire+sqlite <= 2 x ${FLOOR}`);
  const top = plan.connectionCounts.at(-1) ?? 1000;
  ratio(SQLITE, CHATWIRE, `rtps@${top}`, 0.5, false, `round trips/s @${top}: chatwire+sqlite >= 0.5 x chatwire`);
  const sqliteRuns = [...samples.values(SQLITE, "errors"), ...samples.values(SQLITE, "lost")];
  if (sqliteRuns.length > 0) {
    const worst = Math.max(...sqliteRuns);
    push("chatwire+sqlite: no message lost (worst run: error frames or unanswered)", worst, 0, "count", true)();
  }
  ratio(
    SQLITE,
    SQLITE_NOT_DURABLE,
    "cpu@100",
    1.1,
    true,
    `durability's cost, CPU/round trip @100: chatwire+sqlite <= 1.1 x ${SQLITE_NOT_DURABLE}`,
  );
  push("PostgreSQL: >= 20,000 persisted messages/s, fsync=on", other.postgresPerSecond, 20_000, "/s", false)();
  push(
    "kill -9 -> first recovered token on another node, p99 (default lease 3 s): <= 2000 ms",
    other.recovery?.clusterP99,
    2000,
    "ms",
    true,
  )();
  const voice = `${plan.voiceSessions} voice sessions`;
  ratio(CHATWIRE, FLOOR, "voicecpu", 1.1, true, `CPU/s of output audio, ${voice}: chatwire <= 1.1 x ${FLOOR}`);
  const voiceP99 = samples.values(CHATWIRE, "voice.p99");
  push(`output audio send -> receipt p99, ${voice}: chatwire <= 5 ms`, median(voiceP99), 5, "ms", true)(voiceP99);
  ratio(CHATWIRE, FLOOR, "startup.user", 1, true, "`chatwire run app.ts` to accepting <= 1.0 x fastify+ws (node)");
  return results;
}

const show = (v: number, unit: GoalResult["unit"]): string => {
  switch (unit) {
    case "x":
      return `${v.toFixed(2)}x`;
    case "ms":
      return `${v.toFixed(2)} ms`;
    case "%":
      return `${v.toFixed(1)}%`;
    case "/s":
      return `${Math.round(v).toLocaleString("en-US")}/s`;
    default:
      return v.toFixed(0);
  }
};

/** "PASS" or "MISS by 23%" with the value against its limit, and every run's own value. */
export function describeGoal(result: GoalResult): string {
  const verdict = result.pass ? "PASS" : "MISS";
  const by =
    result.pass || result.limit === 0 ? "" : ` by ${Math.abs((result.value / result.limit - 1) * 100).toFixed(0)}%`;
  const runs = result.runs.length > 1 ? `; runs: ${result.runs.map((v) => show(v, result.unit)).join(" ")}` : "";
  return `${verdict}${by}  ${result.goal}: ${show(result.value, result.unit)} (limit ${show(result.limit, result.unit)})${runs}`;
}
