// A session's token sums: per turn (reset when a task starts) and per thread (restored from the stored thread and
// saved back with it after each report).
import { checkedReport, type LiveUsage, type UsageReport } from "../context/usage.ts";
import type { OutgoingOf, TokenCounts } from "../protocol/server.ts";

const plus = (a: TokenCounts, b: TokenCounts): TokenCounts => ({
  inputTokens: a.inputTokens + b.inputTokens,
  outputTokens: a.outputTokens + b.outputTokens,
});
const zero = (): TokenCounts => ({ inputTokens: 0, outputTokens: 0 });

/** The sums `ctx.reportUsage` adds to; `onReport` runs after each (the session saves the thread's). */
export class UsageBook implements LiveUsage {
  #turn = zero();
  #thread: TokenCounts;

  private readonly onReport: () => void;

  constructor(restored: TokenCounts | undefined, onReport: () => void = () => {}) {
    this.onReport = onReport;
    this.#thread = restored ?? zero();
  }

  /** The thread's sums so far (what is stored). */
  get thread(): TokenCounts {
    return this.#thread;
  }

  /** A new turn: its sums start from zero. */
  turnStarted(): void {
    this.#turn = zero();
  }

  add(report: UsageReport): OutgoingOf<"usage"> {
    const { inputTokens, outputTokens, model } = checkedReport(report);
    const reported = { inputTokens, outputTokens };
    this.#turn = plus(this.#turn, reported);
    this.#thread = plus(this.#thread, reported);
    this.onReport();
    return {
      type: "usage",
      reported,
      ...(model === undefined ? {} : { model }),
      turn: this.#turn,
      thread: this.#thread,
    };
  }
}

/** Token counts read back from stored JSON, or undefined when they are not that. */
export function storedCounts(value: unknown): TokenCounts | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const { inputTokens, outputTokens } = value as Record<string, unknown>;
  const ok = (n: unknown): n is number => typeof n === "number" && Number.isSafeInteger(n) && n >= 0;
  return ok(inputTokens) && ok(outputTokens) ? { inputTokens, outputTokens } : undefined;
}
