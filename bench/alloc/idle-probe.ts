// Preloaded into a benchmark server (`--import`) by bench/alloc/idle.ts: a `heap` line on stdin answers with the live
// heap's self size per constructor (a full heap snapshot, summed), so N idle sessions' bill can be split by object.
import { createInterface } from "node:readline";
import { getHeapSnapshot } from "node:v8";

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}

async function heapByConstructor(): Promise<Record<string, [number, number]>> {
  globalThis.gc?.();
  let text = "";
  for await (const chunk of getHeapSnapshot()) text += chunk;
  const { snapshot, nodes, edges, strings } = JSON.parse(text) as Snapshot;
  const fields = snapshot.meta.node_fields;
  const width = fields.length;
  const [typeAt, nameAt, sizeAt, edgeCountAt] = ["type", "name", "self_size", "edge_count"].map((f) =>
    fields.indexOf(f),
  ) as [number, number, number, number];
  const types = snapshot.meta.node_types[0];
  // Internal arrays and hidden objects are named by what holds them (first retainer: its constructor and field).
  const edgeWidth = snapshot.meta.edge_fields.length;
  const edgeTypes = snapshot.meta.edge_types[0];
  const holder = new Map<number, string>();
  const holderOf = new Map<number, number>();
  for (let i = 0, e = 0; i < nodes.length; i += width) {
    const holderName = `${strings[nodes[i + nameAt] as number]}`.slice(0, 40);
    for (let k = 0; k < (nodes[i + edgeCountAt] as number); k++, e += edgeWidth) {
      const to = edges[e + 2] as number;
      const edgeType = edgeTypes[edges[e] as number];
      if (edgeType === "weak" || holder.has(to)) continue;
      const edgeName =
        edgeType === "element" || edgeType === "hidden" ? `[${edges[e + 1]}]` : strings[edges[e + 1] as number];
      holder.set(to, `${holderName}.${edgeName}`);
      holderOf.set(to, i);
    }
  }
  const sums: Record<string, [number, number]> = {};
  for (let i = 0; i < nodes.length; i += width) {
    const type = types[nodes[i + typeAt] as number] as string;
    const name =
      type === "object" || type === "closure"
        ? `${type}:${strings[nodes[i + nameAt] as number]}`
        : type === "array" || type === "hidden"
          ? `(${type}) in ${holder.get(holderOf.get(i) ?? -1) ?? "?"}.${holder.get(i) ?? "?"}`
          : `(${type})`;
    const sum = sums[name] ?? [0, 0];
    sum[0]++;
    sum[1] += nodes[i + sizeAt] as number;
    sums[name] = sum;
  }
  return sums;
}

createInterface({ input: process.stdin }).on("line", (line) => {
  if (line === "heap") void heapByConstructor().then((heap) => process.stdout.write(`${JSON.stringify({ heap })}\n`));
});
