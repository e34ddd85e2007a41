// Serves the playground page (playground/dist, built by `npm run build`) beside the WebSocket endpoint.
import { join } from "node:path";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance } from "fastify";
import { packageRoot } from "../package-root.ts";

/** Options of the playground plugin. */
export interface PlaygroundOptions {
  /** Where the page is mounted. Default "/". */
  readonly prefix?: string;
}

const root = join(packageRoot(), "playground", "dist");

/**
 * Mounts the playground page. `createServer` registers it unless `playground: false`.
 * @example await server.register(playground, { prefix: "/chat/" });
 */
export async function playground(app: FastifyInstance, options: PlaygroundOptions = {}): Promise<void> {
  await app.register(fastifyStatic, { root, prefix: options.prefix ?? "/", index: ["index.html"] });
}
