// Summarises a .cpuprofile (node --cpu-prof): self time per function and per source area, largest first.
// Usage: node --import tsx bench/profile.ts FILE.cpuprofile [top] [skipMs]
import { readFileSync } from "node:fs";
import { relative } from "node:path";

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}
interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** One line of the summary. */
export interface SelfTime {
  readonly name: string;
  readonly ms: number;
  readonly share: number;
}

const root = new URL("..", import.meta.url).pathname;

const where = (url: string): string => {
  if (url === "") return "";
  const path = url.startsWith("file://") ? relative(root, new URL(url).pathname) : url;
  return path.replace(/^node_modules\//, "");
};

/** The area a function's code belongs to: a package, a chatwire folder, node internals, or V8 (GC, program). */
export function areaOf(url: string, functionName: string): string {
  if (url === "") return functionName === "" ? "(anonymous native)" : functionName; // (garbage collector), (program)
  const path = where(url);
  if (path.startsWith("node:")) return path.split("/").slice(0, 2).join("/");
  const pkg = /^(@[^/]+\/[^/]+|[^/]+)/.exec(path)?.[1] ?? path;
  if (path.startsWith("lib/") || path.startsWith("bench/")) return path.split("/").slice(0, 2).join("/");
  return pkg;
}

/** Self time by function (name + file:line) and by area, each sorted largest first, leaving out the first
 * `skipMs` of the profile (the process's start-up, which is not the hot path). */
export function summarise(file: string, skipMs = 0): { total: number; functions: SelfTime[]; areas: SelfTime[] } {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  let elapsedUs = 0;
  for (const [i, id] of profile.samples.entries()) {
    const delta = profile.timeDeltas[i] ?? 0;
    elapsedUs += delta;
    if (elapsedUs >= skipMs * 1000) selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
  }
  const functions = new Map<string, number>();
  const areas = new Map<string, number>();
  let total = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)?.callFrame;
    if (frame === undefined || frame.functionName === "(idle)") continue;
    total += us;
    const at = where(frame.url);
    const name = `${frame.functionName || "(anonymous)"}${at === "" ? "" : ` ${at}:${frame.lineNumber + 1}`}`;
    functions.set(name, (functions.get(name) ?? 0) + us);
    const area = areaOf(frame.url, frame.functionName);
    areas.set(area, (areas.get(area) ?? 0) + us);
  }
  const sorted = (map: Map<string, number>) =>
    [...map].map(([name, us]) => ({ name, ms: us / 1000, share: us / total })).sort((a, b) => b.ms - a.ms);
  return { total: total / 1000, functions: sorted(functions), areas: sorted(areas) };
}

/** The summary as text: the top `top` functions and areas by self time (idle excluded). */
export function renderSummary(file: string, top = 20, skipMs = 0): string {
  const { total, functions, areas } = summarise(file, skipMs);
  const line = (entry: SelfTime) =>
    `${(entry.share * 100).toFixed(1).padStart(5)}%  ${entry.ms.toFixed(0).padStart(6)} ms  ${entry.name}`;
  return [
    `busy ${total.toFixed(0)} ms (idle excluded)`,
    "top functions by self time:",
    ...functions.slice(0, top).map(line),
    "by area:",
    ...areas.slice(0, 12).map(line),
  ].join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = process.argv[2];
  if (file === undefined) throw new Error("usage: bench/profile.ts FILE.cpuprofile [top]");
  console.log(renderSummary(file, Number(process.argv[3] ?? 20), Number(process.argv[4] ?? 0)));
}
