// An optional peer dependency (ai, @langchain/core, @opentelemetry/api, react, socket.io) is loaded only by the
// entry that needs it, or by a dynamic import when a feature is used: a user who installs none of them can load
// "chatwire". Read off the built modules (dist/, `npm run build`), where type-only imports are gone.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { test } from "node:test";

const root = resolve(new URL("../../", import.meta.url).pathname);
const dist = join(root, "dist");
const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
};
const optional = Object.entries(manifest.peerDependenciesMeta ?? {}).flatMap(([name, meta]) =>
  meta.optional === true ? [name] : [],
);

/** The specifiers of a module's static imports and re-exports (`import x from`, `import "x"`, `export … from`). */
function staticImports(code: string): string[] {
  const found = code.matchAll(/^\s*(?:import|export)\s(?:[^"';]*?\sfrom\s)?["']([^"']+)["']/gm);
  return [...found].map((match) => match[1] ?? "");
}

/** Every package a module loads statically, with the chain of dist/ modules that got there. */
function packagesReached(entry: string): Map<string, string[]> {
  const reached = new Map<string, string[]>();
  const seen = new Set<string>();
  const visit = (file: string, chain: string[]) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const specifier of staticImports(readFileSync(file, "utf8"))) {
      if (specifier.startsWith(".")) visit(resolve(dirname(file), specifier), [...chain, relative(dist, file)]);
      else if (!specifier.startsWith("node:")) {
        const name = specifier.startsWith("@") ? specifier.split("/").slice(0, 2).join("/") : specifier.split("/")[0];
        if (name !== undefined && !reached.has(name)) reached.set(name, [...chain, relative(dist, file)]);
      }
    }
  };
  visit(join(dist, entry), []);
  return reached;
}

test('"chatwire" and "chatwire/testing" load no optional peer dependency', () => {
  assert.ok(existsSync(join(dist, "index.js")), "run npm run build first");
  assert.ok(optional.includes("@opentelemetry/api") && optional.includes("@langchain/core"));
  for (const entry of ["index.js", "testing/index.js"]) {
    const reached = packagesReached(entry);
    const peers = optional.filter((name) => reached.has(name)).map((name) => [name, reached.get(name)]);
    assert.deepEqual(peers, [], `${entry} loads an optional peer statically`);
  }
});

test("chatwire/langchain loads @langchain/core; chatwire/ai-sdk/server uses ai's types only and loads nothing of it", () => {
  assert.deepEqual(packagesReached("langchain/index.js").get("@langchain/core"), [
    "langchain/index.js",
    "langchain/handler.js",
  ]);
  assert.equal(packagesReached("ai-sdk/server/index.js").has("ai"), false);
});
