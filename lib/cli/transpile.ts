// TypeScript to JavaScript for `chatwire run`, one file at a time, with an on-disk cache: a warm start reads the
// cached output and never loads esbuild. Not a bundler: each file keeps its own URL (and its own import.meta.url).
// Synchronous, because module.registerHooks' load hook is: it runs in the thread that imports the file.
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

/** How a file is transpiled; part of the cache key, so a change to it invalidates old entries. */
const settings = {
  version: 1,
  target: `node${process.versions.node}`,
};

const hash = (...parts: string[]) => {
  const h = createHash("sha256");
  for (const part of parts) h.update(part).update("\0");
  return h.digest("base64url");
};

/** esbuild, loaded on the first cache miss only (its service process costs ~20 ms to start). */
const require = createRequire(import.meta.url);
const esbuild = () => require("esbuild") as typeof import("esbuild");

/** The output of esbuild for `source` (read from `path`): ES module or, for .cts, CommonJS, with an inline map. */
function compile(path: string, source: string): string {
  return esbuild().transformSync(source, {
    loader: path.endsWith("x") ? "tsx" : "ts",
    format: path.endsWith(".cts") ? "cjs" : "esm",
    target: settings.target,
    sourcefile: path,
    sourcemap: "inline",
  }).code;
}

/** The file's text, or undefined when it cannot be read. */
function readIfThere(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

/**
 * The JavaScript for the TypeScript file at `path`, from `cacheDir` when its source has not changed since.
 * One cache entry per file (named by its path), holding the hash of the source it was made from: an edited file
 * replaces its entry instead of adding one. `cacheDir` undefined: no cache.
 * @example const code = transpile("/app/app.ts", readFileSync("/app/app.ts", "utf8"), "/app/node_modules/.cache/chatwire");
 */
export function transpile(path: string, source: string, cacheDir: string | undefined): string {
  if (cacheDir === undefined) return compile(path, source);
  const entry = join(cacheDir, `${hash(path)}.js`);
  const stamp = `//${hash(JSON.stringify(settings), path, source)}\n`;
  const cached = readIfThere(entry);
  if (cached?.startsWith(stamp)) return cached.slice(stamp.length);
  const code = compile(path, source);
  // Best effort: a read-only or full disk only costs the next start its esbuild run. Written under a temporary
  // name and renamed, so a concurrent start reads an old entry or a whole new one, never half of one.
  try {
    const partial = `${entry}.${process.pid}.tmp`;
    mkdirSync(cacheDir, { recursive: true });
    writeFileSync(partial, stamp + code);
    renameSync(partial, entry);
  } catch {
    // Not cached this time.
  }
  return code;
}
