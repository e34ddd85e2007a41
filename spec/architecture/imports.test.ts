// The import graph of lib/, read with the TypeScript compiler's own pre-parser (type-only and dynamic imports
// count: a type cycle is still a cycle for a reader). No file imports itself back, every arrow points down the
// layers of docs/architecture.md, and nothing in lib/ imports from outside it (e.g. the playground's sources).
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { test } from "node:test";
import ts from "typescript";

const lib = resolve(new URL("../../lib/", import.meta.url).pathname);

/**
 * The layers, top to bottom: a file may import its own layer and the layers below it, never one above. A layer is
 * a list of folders ("name/") and files of lib/. Keep it in step with the picture in docs/architecture.md.
 */
const layers: readonly (readonly string[])[] = [
  ["cli/"],
  ["index.ts", "testing/", "react/", "ai-sdk/", "langchain/"], // entries
  ["client/"], // chatwire/client, which chatwire/react and chatwire/ai-sdk build on
  ["server.ts"],
  ["playground/"],
  ["gateway/", "adapters/"], // bytes: sockets, limits, auth, the handshake; other wires (AG-UI, Chainlit)
  ["cluster/"], // other nodes: the session directory, the bus, relayed sessions
  ["auth/"],
  ["session/"], // what frames mean
  ["hooks/table.ts", "hooks/registrars.ts", "hooks/live-table.ts"], // which handler runs, with which context
  ["context/"], // what a handler may do
  ["data/"], // what is stored
  ["hooks/payloads.ts"], // what hooks receive: a vocabulary the data layer stores too
  ["protocol/"], // frames on the wire
  ["errors.ts", "logger.ts", "package-root.ts", "runtime/"], // leaves every layer may use
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith(".ts") ? [path] : [];
  });
}

/** The lib-relative path an import specifier names, or undefined for a package. */
function resolveImport(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith(".")) return undefined;
  const target = resolve(dirname(from), specifier.replace(/\.js$/, ".ts"));
  const found = [target, `${target}.ts`, join(target, "index.ts")].find((path) => existsSync(path));
  return relative(lib, found ?? target);
}

/** Every file of lib/ with the lib-relative paths of the lib files it imports (type-only and dynamic included). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(lib)) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
    const targets = importedFiles.flatMap(({ fileName }) => resolveImport(file, fileName) ?? []);
    graph.set(relative(lib, file), [...new Set(targets)]);
  }
  return graph;
}

const rankOf = (path: string): number =>
  layers.findIndex((layer) => layer.some((entry) => (entry.endsWith("/") ? path.startsWith(entry) : path === entry)));

/** The cycles of the graph, each as a path that ends where it starts (one per strongly connected component). */
function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (node: string) => {
    state.set(node, "open");
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === "open") found.push([...stack.slice(stack.indexOf(next)), next]);
      else if (state.get(next) === undefined) visit(next);
    }
    stack.pop();
    state.set(node, "done");
  };
  for (const node of graph.keys()) if (state.get(node) === undefined) visit(node);
  return found;
}

const graph = importGraph();

test("the import graph of lib/ has no cycle, type-only imports included", () => {
  assert.ok(graph.size > 50, `read ${graph.size} files`);
  assert.deepEqual(
    cycles(graph).map((cycle) => cycle.join(" -> ")),
    [],
  );
});

test("nothing in lib/ imports from outside lib/ (the playground imports lib, never the reverse)", () => {
  const outside = [...graph].flatMap(([file, targets]) =>
    targets.filter((target) => target.startsWith("..")).map((target) => `${file} -> ${target}`),
  );
  assert.deepEqual(outside, []);
});

test("every file of lib/ is in a layer, and every import points to its own layer or one below", () => {
  const unplaced = [...graph.keys()].filter((file) => rankOf(file) < 0);
  assert.deepEqual(unplaced, [], "add these files to `layers` (and to docs/architecture.md)");
  const upward = [...graph].flatMap(([file, targets]) =>
    targets
      .filter((target) => !target.startsWith("..") && rankOf(target) < rankOf(file))
      .map((target) => `${file} -> ${target}`),
  );
  assert.deepEqual(upward, []);
});

test("the cycle finder finds a type-only cycle like the one options.ts once had", () => {
  const sample = new Map([
    ["gateway/options.ts", ["gateway/plugin.ts"]],
    ["gateway/plugin.ts", ["gateway/connection.ts"]],
    ["gateway/connection.ts", ["gateway/options.ts"]],
  ]);
  assert.deepEqual(cycles(sample), [
    ["gateway/options.ts", "gateway/plugin.ts", "gateway/connection.ts", "gateway/options.ts"],
  ]);
});
