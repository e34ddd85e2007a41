// Lets `chatwire run` import a TypeScript app: registers ./typescript-hooks.ts and picks the directory where they
// cache transpiled files. Called only for a TypeScript app.
import { lstatSync, mkdirSync, statSync } from "node:fs";
import * as nodeModule from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { initialize, load, resolve as resolveHook, type TypeScriptHooksData } from "./typescript-hooks.ts";

/** module.registerHooks, from Node 22.15 and 23.5 (absent from @types/node 20, the oldest line we support). */
type RegisterHooks = (hooks: { resolve: typeof resolveHook; load: typeof load }) => unknown;
const registerHooks = (nodeModule as { registerHooks?: RegisterHooks }).registerHooks;

/** For module.register, which loads the hooks again in its own thread: the built file, or the source under tsx. */
const hooksFile = new URL(
  import.meta.url.endsWith(".ts") ? "./typescript-hooks.ts" : "./typescript-hooks.js",
  import.meta.url,
);

/** A per-user directory under the OS temp dir, only if this user owns it and nobody else may write to it. */
function privateTempDir(): string | undefined {
  const dir = join(tmpdir(), `chatwire-cache-${process.getuid?.() ?? "user"}`);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const stat = lstatSync(dir);
    const owned = process.getuid === undefined || stat.uid === process.getuid();
    return stat.isDirectory() && owned && (stat.mode & 0o022) === 0 ? dir : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Where transpiled files of the app at `script` are cached: $CHATWIRE_CACHE_DIR (empty: no cache), else
 * .cache/chatwire in the nearest node_modules above the app, else a private directory under the OS temp dir.
 * @example cacheDirFor("/srv/bot/app.ts") // "/srv/bot/node_modules/.cache/chatwire"
 */
export function cacheDirFor(script: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const chosen = env.CHATWIRE_CACHE_DIR;
  if (chosen !== undefined) return chosen === "" ? undefined : resolve(chosen);
  for (let dir = dirname(resolve(script)); ; dir = dirname(dir)) {
    const modules = join(dir, "node_modules");
    if (statSync(modules, { throwIfNoEntry: false })?.isDirectory()) return join(modules, ".cache", "chatwire");
    if (dirname(dir) === dir) return privateTempDir();
  }
}

/** From now on, imports of .ts/.mts/.cts/.tsx files (and "./x.js" meaning x.ts) work in this process. */
export function registerTypeScript(script: string): void {
  // Each transpiled file carries an inline source map: stack traces then name the app's .ts lines.
  process.setSourceMapsEnabled(true);
  const data: TypeScriptHooksData = { cacheDir: cacheDirFor(script) };
  // registerHooks runs them in this thread (no hooks thread to start); module.register is deprecated where it
  // exists (DEP0205, a runtime warning from Node 26), so it serves only the Nodes without registerHooks.
  if (registerHooks === undefined) {
    nodeModule.register<TypeScriptHooksData>(hooksFile, { data });
  } else {
    initialize(data);
    registerHooks({ resolve: resolveHook, load });
  }
}
