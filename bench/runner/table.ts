// The tables: per metric, each server's median and its ratio to the batched floor of the same run; then every run's
// value, in repetition order, so a bimodal spread shows instead of hiding in a median.
import type { Metric, Samples } from "./metrics.ts";
import { FLOOR } from "./targets.ts";

const format = (value: number, digits: number) =>
  value >= 10_000 ? Math.round(value).toLocaleString("en-US") : value.toFixed(digits);

/** Three significant digits, thousands as k: every run's values side by side stay narrow. */
const compact = (value: number): string => {
  if (Number.isInteger(value) && Math.abs(value) < 10_000) return String(value);
  if (Math.abs(value) >= 10_000) return `${(value / 1000).toPrecision(3)}k`;
  if (Math.abs(value) >= 100) return value.toFixed(0);
  return value.toPrecision(3);
};

/** One cell: `median x ratio`, or blank without samples. */
function medianCell(samples: Samples, target: string, metric: Metric): string {
  const median = samples.median(target, metric.key);
  if (median === undefined) return "";
  const floor = samples.median(FLOOR, metric.key);
  const ratio =
    metric.ratio !== false && target !== FLOOR && floor !== undefined && floor > 0
      ? ` x${(median / floor).toFixed(2)}`
      : "";
  return `${format(median, metric.digits)}${ratio}`;
}

/** Every repetition's value in order, "-" for a repetition that produced none (so the columns stay aligned). */
function runsCell(samples: Samples, target: string, metric: Metric): string {
  const runs = samples.runs(target, metric.key);
  if (runs.size === 0) return "";
  return Array.from({ length: samples.repetitions }, (_, rep) => {
    const value = runs.get(rep);
    return value === undefined ? "-" : compact(value);
  }).join(" ");
}

function markdown(title: string, names: readonly string[], rows: readonly (readonly string[])[]): string {
  const header = [title, ...names];
  const widths = header.map((head, i) => Math.max(head.length, ...rows.map((row) => (row[i] ?? "").length)));
  const line = (row: readonly string[]) =>
    `| ${row.map((value, i) => (i === 0 ? value.padEnd(widths[i] ?? 0) : value.padStart(widths[i] ?? 0))).join(" | ")} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? `:${"-".repeat(w + 1)}` : `${"-".repeat(w + 1)}:`)).join("|")}|`;
  return [line(header), rule, ...rows.map(line)].join("\n");
}

function render(
  title: string,
  samples: Samples,
  metrics: readonly Metric[],
  names: readonly string[],
  cell: (samples: Samples, target: string, metric: Metric) => string,
): string {
  const rows = metrics
    .map((metric) => [metric.label, ...names.map((name) => cell(samples, name, metric))])
    .filter((row) => row.slice(1).some((value) => value !== ""));
  return markdown(title, names, rows);
}

/** Medians with their ratio to the floor, as Markdown (readable in a terminal as well). */
export const renderTable = (samples: Samples, metrics: readonly Metric[], names: readonly string[]): string =>
  render(`metric (median xratio to ${FLOOR})`, samples, metrics, names, medianCell);

/** Every run's value, in repetition order. */
export const renderRuns = (samples: Samples, metrics: readonly Metric[], names: readonly string[]): string =>
  render("metric (every run, in order)", samples, metrics, names, runsCell);
