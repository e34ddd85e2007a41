// Summarises a sampling heap profile written by bench/alloc/probe.ts: bytes allocated per function (self), largest
// first. Usage: node --import tsx bench/alloc/sites.ts FILE [top]
import { readFileSync } from "node:fs";

interface Node {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: Node[];
}
const profile = JSON.parse(readFileSync(process.argv[2] as string, "utf8")) as { head: Node };
const top = Number(process.argv[3] ?? 30);
const bySite = new Map<string, number>();
let total = 0;
const walk = (node: Node, parent: string) => {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url.replace(/^.*\/(node_modules|dist|lib)\//, "$1/");
  const site = `${functionName || "(anonymous)"} ${file}:${lineNumber + 1} <- ${parent}`;
  bySite.set(site, (bySite.get(site) ?? 0) + node.selfSize);
  total += node.selfSize;
  for (const child of node.children) walk(child, functionName || "(anonymous)");
};
walk(profile.head, "");
for (const [site, bytes] of [...bySite].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`${((bytes / total) * 100).toFixed(1).padStart(5)}%  ${site}`);
}
