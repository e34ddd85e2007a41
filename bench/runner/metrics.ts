// What the benchmark reports: one row per metric, and the samples each repetition adds to it.
import type { Plan } from "./plan.ts";

/** One row of the table. */
export interface Metric {
  readonly key: string;
  readonly label: string;
  readonly better: "lower" | "higher";
  readonly digits: number;
  /** Whether a ratio to the floor means anything (not for the load average). Default true. */
  readonly ratio?: boolean;
}

/** Every metric of a run with these sizes, in table order. */
export function metricsOf(plan: Plan): readonly Metric[] {
  const higher = (key: string, label: string, digits = 0): Metric => ({ key, label, better: "higher", digits });
  const lower = (key: string, label: string, digits = 1): Metric => ({ key, label, better: "lower", digits });
  const counts = plan.connectionCounts;
  const k = (n: number) => `${n / 1000}k`;
  const slow = `${(plan.slowReadBytesPerSec / 1e6).toFixed(0)} MB/s reader`;
  return [
    ...counts.map((n) => higher(`rtps@${n}`, `round trips/s, ${n} conn x ${plan.inflight} in flight`)),
    ...counts.map((n) => lower(`cpu@${n}`, `server CPU us/round trip, ${n} conn`)),
    ...counts.map((n) => higher(`share@${n}`, `server CPU % of its core, ${n} conn`, 0)),
    ...counts.map((n) => lower(`writes@${n}`, `server write syscalls/round trip, ${n} conn`, 2)),
    ...counts.map((n) => lower(`gc@${n}`, `GC pauses % of server busy time, ${n} conn`, 1)),
    lower("p50", `latency p50 ms, ${plan.latencyConnections} conn x 1`, 2),
    lower("p99", "latency p99 ms", 2),
    lower("p999", "latency p99.9 ms", 2),
    higher("tokps", `tokens/s, ${k(plan.tokens)} tokens, fast reader`),
    lower("ttft", "time to first token ms, fast reader", 2),
    lower("tokframes", "stream_token frames, fast reader", 0),
    lower("tokcpu", "server CPU us/token, fast reader", 2),
    higher("slow.tokps", `tokens/s, ${k(plan.slowTokens)} tokens, ${slow}`),
    lower("slow.ttft", `time to first token ms, ${slow}`, 2),
    lower("slow.tokframes", `stream_token frames, ${slow}`, 0),
    lower("session", `RSS KiB per idle session (${k(plan.idleSessions)})`, 2),
    lower("startup.user", "spawn to accepting ms, as users start it", 0),
    lower("startup.user.cpu", "CPU ms (user+sys) to accepting, as users start it", 0),
    lower("startup", "spawn to listening ms (node --import tsx)", 0),
    lower("uptime", "process.uptime() at listening ms", 0),
    higher("audio.binary", "audio ingest MB/s, binary frames", 1),
    higher("audio.json", "audio ingest MB/s, JSON/base64", 1),
    lower("audiocpu.binary", "server CPU us/MB, binary", 0),
    lower("audiocpu.json", "server CPU us/MB, JSON/base64", 0),
    lower("voicecpu", `server CPU us/s of output audio, ${plan.voiceSessions} sessions x 24 kHz PCM16`, 0),
    lower("voice.p50", "output audio send -> client receipt p50 ms", 2),
    lower("voice.p99", "output audio send -> client receipt p99 ms", 2),
    lower("errors", "error frames received", 0),
    lower("lost", "round trips never answered", 0),
    { ...lower("load.start", "load average (1 min) at the run's start", 2), ratio: false },
    { ...lower("load.end", "load average (1 min) at the run's end", 2), ratio: false },
  ];
}

/** Samples by target and metric, each tagged with the repetition it came from. */
export class Samples {
  readonly #values = new Map<string, Map<string, Map<number, number>>>();
  /** Repetitions seen so far (the highest index + 1). */
  repetitions = 0;

  add(target: string, key: string, value: number, repetition: number): void {
    this.repetitions = Math.max(this.repetitions, repetition + 1);
    if (!Number.isFinite(value)) return;
    const byKey = this.#values.get(target) ?? new Map<string, Map<number, number>>();
    this.#values.set(target, byKey);
    const byRun = byKey.get(key) ?? new Map<number, number>();
    byKey.set(key, byRun);
    byRun.set(repetition, value);
  }

  /** Values by repetition. */
  runs(target: string, key: string): ReadonlyMap<number, number> {
    return this.#values.get(target)?.get(key) ?? new Map();
  }

  /** Values in repetition order. */
  values(target: string, key: string): readonly number[] {
    return [...this.runs(target, key)].sort(([a], [b]) => a - b).map(([, value]) => value);
  }

  /** The median (mean of the middle two for an even count); undefined without samples. */
  median(target: string, key: string): number | undefined {
    return median(this.values(target, key));
  }

  /** a ÷ b per repetition both have, in repetition order (interleaved runs: the pair shared the machine's state). */
  ratios(a: string, b: string, key: string): readonly number[] {
    const bottom = this.runs(b, key);
    return this.values(a, key).length === 0
      ? []
      : [...this.runs(a, key)]
          .sort(([x], [y]) => x - y)
          .filter(([rep]) => (bottom.get(rep) ?? 0) > 0)
          .map(([rep, value]) => value / (bottom.get(rep) as number));
  }

  toJSON(): Record<string, Record<string, readonly number[]>> {
    const out: Record<string, Record<string, readonly number[]>> = {};
    for (const [target, byKey] of this.#values)
      out[target] = Object.fromEntries([...byKey.keys()].map((key) => [key, this.values(target, key)]));
    return out;
  }
}

/** The median of `values` (mean of the middle two for an even count); undefined when empty. */
export function median(values: readonly number[]): number | undefined {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}
