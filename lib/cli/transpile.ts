// TypeScript to JavaScript for `chatwire run`, one file at a time, with an on-disk cache: a warm start reads the
// cached output and never loads esbuild. Not a bundler: each file keeps its own URL (and its own import.meta.url).
import { createHash } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
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

/** The output of esbuild for `source` (read from `path`): ES module or, for .cts, CommonJS, with an inline map. */
async function compile(path: string, source: string): Promise<string> {
  const { transform } = await import("esbuild");
  const result = await transform(source, {
    loader: path.endsWith("x") ? "tsx" : "ts",
    format: path.endsWith(".cts") ? "cjs" : "esm",
    target: settings.target,
    sourcefile: path,
    sourcemap: "inline",
  });
  return result.code;
}

/**
 * The JavaScript for the TypeScript file at `path`, from `cacheDir` when its source has not changed since.
 * One cache entry per file (named by its path), holding the hash of the source it was made from: an edited file
 * replaces its entry instead of adding one. `cacheDir` undefined: no cache.
 * @example const code = await transpile("/app/app.ts", await readFile("/app/app.ts", "utf8"), "/app/node_modules/.cache/chatwire");
 */
export async function transpile(path: string, source: string, cacheDir: string | undefined): Promise<string> {
  if (cacheDir === undefined) return compile(path, source);
  const entry = join(cacheDir, `${hash(path)}.js`);
  const stamp = `//${hash(JSON.stringify(settings), path, source)}\n`;
  const cached = await readFile(entry, "utf8").catch(() => undefined);
  if (cached?.startsWith(stamp)) return cached.slice(stamp.length);
  const code = await compile(path, source);
  // Best effort: a read-only or full disk only costs the next start its esbuild run. Written under a temporary
  // name and renamed, so a concurrent start reads an old entry or a whole new one, never half of one.
  const partial = `${entry}.${process.pid}.tmp`;
  await mkdir(cacheDir, { recursive: true })
    .then(() => writeFile(partial, stamp + code))
    .then(() => rename(partial, entry))
    .catch(() => {});
  return code;
}
