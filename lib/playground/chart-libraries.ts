// The chart libraries the playground draws `plotly` and `vega` elements with: optional peer dependencies, served
// from node_modules at `charts/<file>` beside the page (never from a CDN), so a page works offline and under its
// `script-src 'self'` policy. Only the four files below can be asked for: the request names a key of this table,
// never a path. A library that is not installed answers 404 and the page keeps showing the chart's JSON.
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { packageRoot } from "../package-root.ts";

/** The browser file (`file`, inside package `name`) served at `charts/<route>`. */
export interface ChartLibraryFile {
  readonly name: string;
  readonly file: string;
}

/** What the page loads: Plotly's one file; Vega, Vega-Lite and vega-embed (which carries the expression
 * interpreter that lets Vega run without `eval`), in that order. */
export const CHART_LIBRARY_FILES: Readonly<Record<string, ChartLibraryFile>> = {
  "plotly.min.js": { name: "plotly.js-dist-min", file: "plotly.min.js" },
  "vega.min.js": { name: "vega", file: "build/vega.min.js" },
  "vega-lite.min.js": { name: "vega-lite", file: "build/vega-lite.min.js" },
  "vega-embed.min.js": { name: "vega-embed", file: "build/vega-embed.min.js" },
};

/** Finds a package's file on disk, or undefined when it is not installed. */
export type ChartLibraryResolver = (library: ChartLibraryFile) => string | undefined;

/**
 * Looks where Node would resolve the package from the app (the working directory), then from chatwire itself.
 * It walks the node_modules folders rather than calling `require.resolve`, because the packages' `exports` do not
 * list their browser builds.
 * @example resolveFromNodeModules({ name: "vega", file: "build/vega.min.js" }) // ".../node_modules/vega/build/vega.min.js"
 */
export const resolveFromNodeModules: ChartLibraryResolver = ({ name, file }) => {
  for (const base of [process.cwd(), packageRoot()]) {
    for (const folder of createRequire(join(base, "noop.js")).resolve.paths(name) ?? []) {
      const path = join(folder, name, file);
      if (existsSync(join(folder, name, "package.json")) && existsSync(path)) return path;
    }
  }
  return undefined;
};

interface Served {
  readonly body: Buffer;
  readonly etag: string;
}

/** Registers `GET /charts/:file` (under the playground's prefix). A file is read on its first request, then kept. */
export function chartLibraryRoutes(app: FastifyInstance, resolve: ChartLibraryResolver = resolveFromNodeModules): void {
  const read = new Map<string, Promise<Served | undefined>>();
  const load = async (library: ChartLibraryFile): Promise<Served | undefined> => {
    const path = resolve(library);
    if (path === undefined) return undefined;
    const body = await readFile(path);
    return { body, etag: `"${createHash("sha1").update(body).digest("base64url")}"` };
  };
  app.get<{ Params: { file: string } }>("/charts/:file", async (request, reply) => {
    const library = Object.hasOwn(CHART_LIBRARY_FILES, request.params.file)
      ? CHART_LIBRARY_FILES[request.params.file]
      : undefined;
    let served = library === undefined ? undefined : read.get(request.params.file);
    if (library !== undefined && served === undefined) {
      served = load(library).catch(() => undefined);
      read.set(request.params.file, served);
    }
    const file = await served;
    if (library === undefined || file === undefined) {
      const hint = library === undefined ? "no such chart library" : `install ${library.name} to draw these charts`;
      return reply.code(404).header("content-type", "text/plain; charset=utf-8").send(hint);
    }
    reply
      .header("content-type", "text/javascript; charset=utf-8")
      .header("x-content-type-options", "nosniff")
      .header("etag", file.etag)
      .header("cache-control", "no-cache");
    if (request.headers["if-none-match"] === file.etag) return reply.code(304).send();
    return reply.send(file.body);
  });
}
