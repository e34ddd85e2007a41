// The targets of issue 7, checked against the medians of one run. Printed as PASS/MISS, never asserted.
import type { Samples } from "./metrics.ts";
import type { Plan } from "./plan.ts";
import { FLOOR } from "./targets.ts";

/** One target and how this run did against it. */
export interface GoalResult {
  readonly goal: string;
  /** The measured ratio or value, and the limit it is held to. */
  readonly value: number;
  readonly limit: number;
  readonly unit: "x" | "ms" | "count";
  readonly pass: boolean;
}

const CHATWIRE = "chatwire";
const SQLITE = "chatwire+sqlite";

/** Checks every target the run has numbers for (a target whose server did not run is left out). */
export function checkGoals(samples: Samples, plan: Plan): GoalResult[] {
  const results: GoalResult[] = [];
  const ratio = (a: string, b: string, key: string) => {
    const top = samples.median(a, key);
    const bottom = samples.median(b, key);
    return top === undefined || bottom === undefined ? undefined : top / bottom;
  };
  const atMost = (goal: string, value: number | undefined, limit: number, unit: GoalResult["unit"] = "x") => {
    if (value !== undefined) results.push({ goal, value, limit, unit, pass: value <= limit });
  };
  const atLeast = (goal: string, value: number | undefined, limit: number) => {
    if (value !== undefined) results.push({ goal, value, limit, unit: "x", pass: value >= limit });
  };
  for (const n of plan.connectionCounts) {
    atMost(`CPU/round trip @${n}: chatwire <= 1.25 x raw ws`, ratio(CHATWIRE, FLOOR, `cpu@${n}`), 1.25);
    atMost(`CPU/round trip @${n}: chatwire <= 0.85 x socket.io`, ratio(CHATWIRE, "socket.io", `cpu@${n}`), 0.85);
    atMost(`CPU/round trip @${n}: chatwire+sqlite <= 3 x raw ws`, ratio(SQLITE, FLOOR, `cpu@${n}`), 3);
  }
  const sqliteRuns = [...samples.values(SQLITE, "errors"), ...samples.values(SQLITE, "lost")];
  if (sqliteRuns.length > 0) {
    const worst = Math.max(...sqliteRuns);
    atMost("chatwire+sqlite: no message lost (worst run: error frames or unanswered)", worst, 0, "count");
  }
  atMost("p99 latency @100: chatwire <= 1.3 x raw ws", ratio(CHATWIRE, FLOOR, "p99"), 1.3);
  atLeast("tokens/s: chatwire >= 1.0 x raw ws (one frame per token)", ratio(CHATWIRE, FLOOR, "tokps"), 1);
  atMost("time to first token: chatwire <= 2 ms", samples.median(CHATWIRE, "ttft"), 2, "ms");
  atMost("RSS per idle session: chatwire <= 2 x raw ws", ratio(CHATWIRE, FLOOR, "session"), 2);
  atMost("`chatwire run app.ts` to accepting: <= 300 ms", samples.median(CHATWIRE, "startup.cli"), 300, "ms");
  return results;
}

/** "PASS" or "MISS by 23%" with the value against its limit. */
export function describeGoal(result: GoalResult): string {
  const show = (v: number) =>
    result.unit === "x"
      ? `${v.toFixed(2)}x`
      : `${v.toFixed(result.unit === "ms" ? 1 : 0)}${result.unit === "ms" ? " ms" : ""}`;
  const verdict = result.pass ? "PASS" : "MISS";
  const by =
    result.pass || result.limit === 0 ? "" : ` by ${Math.abs((result.value / result.limit - 1) * 100).toFixed(0)}%`;
  return `${verdict}${by}  ${result.goal}: ${show(result.value)} (limit ${show(result.limit)})`;
}
