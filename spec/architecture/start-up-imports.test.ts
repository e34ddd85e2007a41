// What `import "chatwire"` loads at start decides how fast `chatwire run` accepts its first connection
// (docs/performance.md, issue 19): typebox's type builders are not evaluated at start (the server's schemas are
// generated data, lib/protocol/schemas.generated.ts), and the schema compiler and file-type are loaded when first
// needed, never statically.
// Read off the built modules (dist/, `npm run build`), where type-only imports are gone.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { test } from "node:test";

const dist = resolve(new URL("../../dist/", import.meta.url).pathname);

/** Every bare specifier the entry reaches through static imports, with the dist/ chain that got there. */
function specifiersReached(entry: string): Map<string, string[]> {
  const reached = new Map<string, string[]>();
  const seen = new Set<string>();
  const visit = (file: string, chain: string[]) => {
    if (seen.has(file)) return;
    seen.add(file);
    const code = readFileSync(file, "utf8");
    for (const [, specifier = ""] of code.matchAll(/^\s*(?:import|export)\s(?:[^"';]*?\sfrom\s)?["']([^"']+)["']/gm)) {
      if (specifier.startsWith(".")) visit(resolve(dirname(file), specifier), [...chain, relative(dist, file)]);
      else if (!reached.has(specifier)) reached.set(specifier, [...chain, relative(dist, file)]);
    }
  };
  visit(join(dist, entry), []);
  return reached;
}

test('"chatwire" and its server load no typebox builders, no schema compiler and no file-type at start', () => {
  assert.ok(existsSync(join(dist, "index.js")), "run npm run build first");
  for (const entry of ["index.js", "server.js"]) {
    const reached = specifiersReached(entry);
    assert.ok(reached.has("typebox/guard") && reached.has("fastify"), `${entry}: the walk found the dependencies`);
    for (const lazy of [
      "typebox",
      "typebox/system",
      "typebox/compile",
      "typebox/value",
      "typebox/schema",
      "file-type",
    ]) {
      assert.equal(reached.get(lazy), undefined, `${entry} imports ${lazy} statically`);
    }
  }
});
