// Serves the playground page (playground/dist, built by `npm run build`) beside the WebSocket endpoint.
// The page is a handful of files known at start-up: they are read once and served from memory by one route each,
// so no request path ever reaches the file system (no traversal to guard against, no static-server dependency).
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { extname, join } from "node:path";
import type { FastifyInstance } from "fastify";
import { packageRoot } from "../package-root.ts";

/** Options of the playground plugin. */
export interface PlaygroundOptions {
  /** Where the page is mounted (Fastify's own register option: it prefixes the page's routes). Default "/". */
  readonly prefix?: string;
}

const root = join(packageRoot(), "playground", "dist");

const contentTypes: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".png": "image/png",
  ".svg": "image/svg+xml",
};

interface PageFile {
  readonly body: Buffer;
  readonly type: string;
  readonly etag: string;
}

function readPage(): Map<string, PageFile> {
  const files = new Map<string, PageFile>();
  for (const name of readdirSync(root)) {
    const type = contentTypes[extname(name)];
    if (type === undefined) continue;
    const body = readFileSync(join(root, name));
    const etag = `"${createHash("sha1").update(body).digest("base64url")}"`;
    files.set(name, { body, type, etag });
  }
  if (!files.has("index.html")) throw new Error(`the playground is not built: run npm run build (looked in ${root})`);
  return files;
}

/**
 * Mounts the playground page. `createServer` registers it unless `playground: false`.
 * @example await server.register(playground, { prefix: "/chat/" });
 */
export async function playground(app: FastifyInstance, _options: PlaygroundOptions = {}): Promise<void> {
  for (const [name, file] of readPage()) {
    const paths = name === "index.html" ? ["/", `/${name}`] : [`/${name}`];
    for (const url of paths) {
      app.get(url, (request, reply) => {
        reply.header("content-type", file.type).header("etag", file.etag).header("cache-control", "no-cache");
        if (request.headers["if-none-match"] === file.etag) return reply.code(304).send();
        return reply.send(file.body);
      });
    }
  }
}
