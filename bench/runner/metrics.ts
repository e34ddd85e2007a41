// What the benchmark reports: one row per metric, and the samples each repetition adds to it.
import type { Plan } from "./plan.ts";

/** One row of the table. */
export interface Metric {
  readonly key: string;
  readonly label: string;
  readonly better: "lower" | "higher";
  readonly digits: number;
}

/** Every metric of a run with these sizes, in table order. */
export function metricsOf(plan: Plan): readonly Metric[] {
  const higher = (key: string, label: string, digits = 0): Metric => ({ key, label, better: "higher", digits });
  const lower = (key: string, label: string, digits = 1): Metric => ({ key, label, better: "lower", digits });
  const counts = plan.connectionCounts;
  const k = (n: number) => `${n / 1000}k`;
  return [
    ...counts.map((n) => higher(`rtps@${n}`, `round trips/s, ${n} conn x ${plan.inflight} in flight`)),
    ...counts.map((n) => lower(`cpu@${n}`, `server CPU us/round trip, ${n} conn`)),
    lower("p50", `latency p50 ms, ${plan.latencyConnections} conn x 1`, 2),
    lower("p99", "latency p99 ms", 2),
    lower("p999", "latency p99.9 ms", 2),
    higher("tokps", `tokens/s, ${k(plan.tokens)} tokens, 1 client`),
    lower("ttft", "time to first token ms", 2),
    lower("tokframes", "stream_token frames received", 0),
    lower("tokcpu", "server CPU us/token", 2),
    lower("session", `RSS KiB per idle session (${k(plan.idleSessions)})`, 2),
    lower("startup.cli", "chatwire run app.ts: spawn to accepting ms", 0),
    lower("startup", "spawn to listening ms (node --import tsx)", 0),
    lower("uptime", "process.uptime() at listening ms", 0),
    higher("audio.binary", "audio ingest MB/s, binary frames", 1),
    higher("audio.json", "audio ingest MB/s, JSON/base64", 1),
    lower("audiocpu.binary", "server CPU us/MB, binary", 0),
    lower("audiocpu.json", "server CPU us/MB, JSON/base64", 0),
    lower("errors", "error frames received", 0),
    lower("lost", "round trips never answered", 0),
  ];
}

/** Samples by target and metric. */
export class Samples {
  readonly #values = new Map<string, Map<string, number[]>>();

  add(target: string, key: string, value: number): void {
    if (!Number.isFinite(value)) return;
    const byKey = this.#values.get(target) ?? new Map<string, number[]>();
    this.#values.set(target, byKey);
    byKey.set(key, [...(byKey.get(key) ?? []), value]);
  }

  values(target: string, key: string): readonly number[] {
    return this.#values.get(target)?.get(key) ?? [];
  }

  /** The median (mean of the middle two for an even count); undefined without samples. */
  median(target: string, key: string): number | undefined {
    const sorted = [...this.values(target, key)].sort((a, b) => a - b);
    if (sorted.length === 0) return undefined;
    const mid = sorted.length >> 1;
    return sorted.length % 2 === 1 ? sorted[mid] : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
  }

  toJSON(): Record<string, Record<string, readonly number[]>> {
    const out: Record<string, Record<string, readonly number[]>> = {};
    for (const [target, byKey] of this.#values) out[target] = Object.fromEntries(byKey);
    return out;
  }
}
