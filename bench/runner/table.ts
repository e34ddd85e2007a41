// The side-by-side table: per metric, each server's median, min–max and ratio to the raw ws floor of the same run.
import type { Metric, Samples } from "./metrics.ts";
import { FLOOR } from "./targets.ts";

const format = (value: number, digits: number) =>
  value >= 10_000 ? Math.round(value).toLocaleString("en-US") : value.toFixed(digits);

/** One cell: `median (min-max) x ratio`, or blank without samples. */
function cell(samples: Samples, target: string, metric: Metric): string {
  const values = samples.values(target, metric.key);
  const median = samples.median(target, metric.key);
  if (median === undefined) return "";
  const range =
    values.length > 1
      ? ` (${format(Math.min(...values), metric.digits)}-${format(Math.max(...values), metric.digits)})`
      : "";
  const floor = samples.median(FLOOR, metric.key);
  const ratio = target !== FLOOR && floor !== undefined && floor > 0 ? ` x${(median / floor).toFixed(2)}` : "";
  return `${format(median, metric.digits)}${range}${ratio}`;
}

/** Renders the table as Markdown (readable in a terminal as well). */
export function renderTable(samples: Samples, metrics: readonly Metric[], names: readonly string[]): string {
  const rows = metrics
    .map((metric) => [metric.label, ...names.map((name) => cell(samples, name, metric))])
    .filter((row) => row.slice(1).some((value) => value !== ""));
  const header = ["metric (median (min-max) xratio to raw ws)", ...names];
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] ?? "").length)));
  const line = (row: readonly string[]) =>
    `| ${row.map((value, i) => (i === 0 ? value.padEnd(widths[i] ?? 0) : value.padStart(widths[i] ?? 0))).join(" | ")} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? `:${"-".repeat(w + 1)}` : `${"-".repeat(w + 1)}:`)).join("|")}|`;
  return [line(header), rule, ...rows.map(line)].join("\n");
}
