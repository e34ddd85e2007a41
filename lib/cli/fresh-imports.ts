// How `chatwire run --watch` imports an edited app afresh: Node keeps a module per URL for the life of the process,
// so the app is imported again as app.ts?chatwire-reload=N, and the resolve hook passes that query on to the local
// files it imports by path. The app's own module graph then loads anew while packages (chatwire itself among them,
// with its default app) stay the instances already loaded. Pure functions: the hooks thread imports this too.

/** The query parameter that names a reload's generation. */
export const RELOAD_PARAM = "chatwire-reload";

/** The URL under which generation `generation` of the app at `entry` (a file: URL) is imported. */
export function generationUrl(entry: string, generation: number): string {
  const url = new URL(entry);
  url.searchParams.set(RELOAD_PARAM, String(generation));
  return url.href;
}

const isPath = (specifier: string) => /^(\.{1,2}\/|\/|file:)/.test(specifier);

/**
 * `resolved`, imported by `specifier` from `parentURL`, tagged with the parent's generation when the parent has one
 * and `specifier` names a local file by its path (never a package, nor anything under node_modules).
 * @example withGeneration("file:///app/tools.ts", "./tools.ts", "file:///app/app.ts?chatwire-reload=2")
 * // "file:///app/tools.ts?chatwire-reload=2"
 */
export function withGeneration(resolved: string, specifier: string, parentURL: string | undefined): string {
  if (parentURL === undefined || !parentURL.includes(RELOAD_PARAM) || !resolved.startsWith("file:")) return resolved;
  if (!isPath(specifier)) return resolved;
  const generation = new URL(parentURL).searchParams.get(RELOAD_PARAM);
  const url = new URL(resolved);
  if (generation === null || url.pathname.includes("/node_modules/") || url.searchParams.has(RELOAD_PARAM)) {
    return resolved;
  }
  url.searchParams.set(RELOAD_PARAM, generation);
  return url.href;
}
