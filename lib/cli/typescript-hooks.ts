// Module hooks that let `chatwire run` import TypeScript: .ts/.mts/.tsx load as ES modules (.cts as CommonJS)
// transpiled by ./transpile.ts, and a TypeScript file's "./x.js" finds x.ts, as tsc reads it. Everything else passes
// through untouched, so "chatwire" resolves as usual. The hooks are synchronous, so one set serves both APIs:
// module.registerHooks (in-thread) where Node has it, module.register (Node's hooks thread, via `initialize`) before.
// Under `chatwire run --watch` they also pass a reload's generation on to local imports (./fresh-imports.ts).
import { readFileSync, statSync } from "node:fs";
import type { LoadFnOutput, LoadHookContext, ResolveFnOutput, ResolveHookContext } from "node:module";
import { extname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { withGeneration } from "./fresh-imports.ts";
import { transpile } from "./transpile.ts";

/** What the CLI passes to `register` (or to `initialize` directly, before `registerHooks`). */
export interface TypeScriptHooksData {
  /** Where transpiled files are kept between runs; undefined: nowhere. */
  readonly cacheDir?: string | undefined;
}

const typescript = /\.[cm]?tsx?$/;
/** The TypeScript files a specifier may mean, by its extension, in the order tsc looks for them. */
const sources: Readonly<Record<string, readonly string[]>> = {
  ".js": [".ts", ".tsx"],
  ".jsx": [".tsx"],
  ".mjs": [".mts"],
  ".cjs": [".cts"],
  "": [".ts", ".tsx", "/index.ts", "/index.tsx"],
};

let cacheDir: string | undefined;

const pathOf = (url: string) => url.replace(/[?#].*$/, "");
const isFile = (path: string) => statSync(path, { throwIfNoEntry: false })?.isFile() === true;
const isPath = (specifier: string) => /^(\.{1,2}\/|\/|file:)/.test(specifier);

/** The TypeScript file `url` stands for, when it names a .js (or no) extension and that file exists. */
function typescriptSource(url: URL): URL | undefined {
  const path = fileURLToPath(url);
  const extension = extname(path);
  const candidates = sources[extension];
  if (candidates === undefined || (extension === "" && isFile(path))) return undefined;
  const stem = path.slice(0, path.length - extension.length);
  const found = candidates.map((ending) => stem + ending).find(isFile);
  if (found === undefined) return undefined;
  const source = pathToFileURL(found);
  source.search = url.search;
  source.hash = url.hash;
  return source;
}

/** Receives the CLI's TypeScriptHooksData: in the hooks thread from `register`, or called by the CLI itself. */
export function initialize(data: TypeScriptHooksData): void {
  cacheDir = data.cacheDir;
}

/**
 * From a TypeScript file, "./x.js" (or "./x") means x.ts when there is one, as tsc resolves it. `next` answers
 * at once under registerHooks and with a promise under register; either is passed on, tagged with the parent's
 * reload generation when it has one.
 */
export function resolve<Next extends ResolveFnOutput | Promise<ResolveFnOutput>>(
  specifier: string,
  context: ResolveHookContext,
  nextResolve: (specifier: string, context: ResolveHookContext) => Next,
): Next | ResolveFnOutput {
  const parent = context.parentURL;
  if (parent?.startsWith("file:") && typescript.test(pathOf(parent)) && isPath(specifier)) {
    const source = typescriptSource(new URL(specifier, parent));
    if (source !== undefined) return tagged({ url: source.href, shortCircuit: true }, specifier, parent);
  }
  const next = nextResolve(specifier, context);
  if (parent === undefined) return next;
  return (
    next instanceof Promise
      ? next.then((output) => tagged(output, specifier, parent))
      : tagged(next as ResolveFnOutput, specifier, parent)
  ) as Next;
}

const tagged = (output: ResolveFnOutput, specifier: string, parent: string): ResolveFnOutput => {
  const url = withGeneration(output.url, specifier, parent);
  return url === output.url ? output : { ...output, url };
};

/** TypeScript files load as their transpiled JavaScript; everything else as Node would load it. */
export function load<Next>(
  url: string,
  context: LoadHookContext,
  nextLoad: (url: string, context: LoadHookContext) => Next,
): Next | LoadFnOutput {
  if (!url.startsWith("file:") || !typescript.test(pathOf(url))) return nextLoad(url, context);
  const path = fileURLToPath(url);
  const code = transpile(path, readFileSync(path, "utf8"), cacheDir);
  return { format: path.endsWith(".cts") ? "commonjs" : "module", source: code, shortCircuit: true };
}
