// Token usage as a handler reports it (`ctx.reportUsage`), and what the context needs of the session's sums.
import type { OutgoingOf } from "../protocol/server.ts";

/** One model call's tokens (Chainlit's `token_usage`). */
export interface UsageReport {
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** The model that used them, e.g. "gpt-4o-mini" (128 characters at most). */
  readonly model?: string | undefined;
}

/** The session's sums: `add` checks a report, adds it to the turn's and the thread's, and returns the frame. */
export interface LiveUsage {
  add(report: UsageReport): OutgoingOf<"usage">;
}

const isCount = (value: unknown) => typeof value === "number" && Number.isSafeInteger(value) && value >= 0;

/** `report`, checked: counts are whole numbers from 0, a model is a short string. Throws RangeError. */
export function checkedReport(report: UsageReport): UsageReport {
  if (typeof report !== "object" || report === null || !isCount(report.inputTokens) || !isCount(report.outputTokens)) {
    throw new RangeError("reportUsage needs inputTokens and outputTokens as whole numbers from 0");
  }
  if (report.model !== undefined && (typeof report.model !== "string" || report.model.length > 128)) {
    throw new RangeError("reportUsage's model is a string of 128 characters at most");
  }
  return report;
}
