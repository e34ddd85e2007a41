// Serves the playground page (playground/dist, built by `npm run build`) beside the WebSocket endpoint.
// The page is a handful of files known at start-up: they are read once and served from memory by one route each,
// so no request path ever reaches the file system (no traversal to guard against, no static-server dependency).
// What the page may talk to (parent windows, gateways) is decided here, never by its URL: the allowlists go into
// index.html and into the Content-Security-Policy header (frame-ancestors, connect-src) of every page.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { extname, join } from "node:path";
import type { FastifyInstance } from "fastify";
import { ChatwireError } from "../errors.ts";
import { packageRoot } from "../package-root.ts";
import { chartLibraryRoutes } from "./chart-libraries.ts";
import { PAGE_CONFIG_META, type PageConfig } from "./page-config.ts";

/** Options of the playground plugin. Mount it elsewhere with Fastify's own `prefix` register option. */
export interface PlaygroundOptions {
  /** Origins besides the page's own that may embed it in an iframe and exchange window messages with it
   * (e.g. `["https://shop.example"]`; the embedder names one with `?parentOrigin=`). Default none: same origin. */
  readonly allowedParentOrigins?: readonly string[] | undefined;
  /** WebSocket URLs of gateways on other origins that the page may connect to when `?ws=` names them
   * (e.g. `["wss://chat.example/ws"]`). Default none: only a gateway on the page's own origin. */
  readonly allowedGateways?: readonly string[] | undefined;
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
  readonly headers: Readonly<Record<string, string>>;
}

/** An origin as the browser writes it (`https://host[:port]`), or an INVALID_OPTION naming the option. */
function origin(value: string, option: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url === undefined || !/^https?:$/.test(url.protocol) || url.origin !== value.replace(/\/$/, "")) {
    throw new ChatwireError(
      "INVALID_OPTION",
      `playground ${option}: ${JSON.stringify(value)} is not an origin like https://host:port`,
    );
  }
  return url.origin;
}

/** A ws:/wss: URL, normalised as the page normalises `?ws=`, or an INVALID_OPTION naming the option. */
function gateway(value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url === undefined || !/^wss?:$/.test(url.protocol) || url.search !== "" || url.hash !== "") {
    throw new ChatwireError(
      "INVALID_OPTION",
      `playground allowedGateways: ${JSON.stringify(value)} is not a ws: or wss: URL`,
    );
  }
  return url.href;
}

/** The page's policy: scripts and styles from itself, sockets to itself and the configured gateways, framed only
 * by itself and the configured parents. */
function contentSecurityPolicy(config: PageConfig): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    ["connect-src 'self'", ...config.gateways].join(" "),
    "img-src 'self' data: https:",
    "style-src 'self' 'unsafe-inline'",
    "media-src 'self' blob:",
    ["frame-ancestors 'self'", ...config.parentOrigins].join(" "),
  ].join("; ");
}

const escapeAttribute = (text: string) =>
  text.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** index.html with the config in its `<meta name="chatwire-playground">` (the built file carries an empty one). */
function withConfig(html: string, config: PageConfig): string {
  const meta = new RegExp(`<meta name="${PAGE_CONFIG_META}" content="[^"]*"\\s*/?>`);
  if (!meta.test(html)) throw new Error(`playground/dist/index.html has no <meta name="${PAGE_CONFIG_META}">`);
  return html.replace(meta, `<meta name="${PAGE_CONFIG_META}" content="${escapeAttribute(JSON.stringify(config))}" />`);
}

function readPage(config: PageConfig): Map<string, PageFile> {
  const htmlHeaders: Record<string, string> = { "content-security-policy": contentSecurityPolicy(config) };
  // For browsers without frame-ancestors; it cannot name other origins, so it only goes out when there are none.
  if (config.parentOrigins.length === 0) htmlHeaders["x-frame-options"] = "SAMEORIGIN";
  const files = new Map<string, PageFile>();
  for (const name of existsSync(root) ? readdirSync(root) : []) {
    const type = contentTypes[extname(name)];
    if (type === undefined) continue;
    let body = readFileSync(join(root, name));
    if (name === "index.html") body = Buffer.from(withConfig(body.toString("utf8"), config));
    const etag = `"${createHash("sha1").update(body).digest("base64url")}"`;
    files.set(name, { body, type, etag, headers: name.endsWith(".html") ? htmlHeaders : {} });
  }
  if (!files.has("index.html")) throw new Error(`the playground is not built: run npm run build (looked in ${root})`);
  return files;
}

/**
 * Mounts the playground page. `createServer` registers it (with the defaults) unless `playground: false`.
 * @example await server.register(playground, { prefix: "/chat", allowedParentOrigins: ["https://shop.example"] });
 */
export async function playground(app: FastifyInstance, options: PlaygroundOptions = {}): Promise<void> {
  const config: PageConfig = {
    parentOrigins: (options.allowedParentOrigins ?? []).map((value) => origin(value, "allowedParentOrigins")),
    gateways: (options.allowedGateways ?? []).map(gateway),
  };
  for (const [name, file] of readPage(config)) {
    const paths = name === "index.html" ? ["/", `/${name}`] : [`/${name}`];
    for (const url of paths) {
      app.get(url, (request, reply) => {
        // Under a prefix, Fastify answers "/chat" as well as "/chat/"; the page's relative links need the slash.
        // (Only the mount itself matches this route, so the path is the prefix: no open redirect.)
        if (url === "/") {
          const queryAt = request.url.indexOf("?");
          const path = queryAt < 0 ? request.url : request.url.slice(0, queryAt);
          if (!path.endsWith("/")) return reply.redirect(`${path}/${request.url.slice(path.length)}`, 308);
        }
        reply.headers(file.headers);
        reply.header("content-type", file.type).header("etag", file.etag).header("cache-control", "no-cache");
        if (request.headers["if-none-match"] === file.etag) return reply.code(304).send();
        return reply.send(file.body);
      });
    }
  }
  chartLibraryRoutes(app);
}
