// The chatwire Fastify plugin: a WebSocket route that turns connections into sessions, plus the app lifecycle.
import websocket from "@fastify/websocket";
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import { ChatwireError } from "../errors.ts";
import type { ServerFrameOf } from "../protocol/server.ts";
import { serveConnection } from "./connection.ts";
import { type GatewayOptions, resolveOptions } from "./options.ts";
import { SessionRegistry } from "./registry.ts";

/** What an embedder can see of a running gateway (e.g. for a health route). */
export interface GatewayHandle {
  /** Live sessions, connected or waiting for their client to resume them. */
  sessionCount(): number;
}

const going: ServerFrameOf<"shutdown"> = { seq: 0, type: "shutdown", reason: "server shutting down" };

async function gateway<S extends object>(app: FastifyInstance, opts: GatewayOptions<S>): Promise<void> {
  const options = resolveOptions(opts);
  const registry = new SessionRegistry<S>();
  let shuttingDown: Promise<void> | undefined;

  // Tell every client to reconnect elsewhere, end every session (reason `shutdown`), then stop the socket server.
  const shutdown = (): Promise<void> => {
    shuttingDown ??= Promise.all(
      registry.all().map((session) => {
        const sink = session.outbox.sink;
        const ended = session.end("shutdown");
        sink?.send(JSON.stringify(going), () => {});
        sink?.close(1001, "server shutting down");
        return ended;
      }),
    ).then(() => undefined);
    return shuttingDown;
  };

  // A host that already has @fastify/websocket keeps its own; registering it again would throw.
  if (!app.hasDecorator("websocketServer")) {
    await app.register(websocket, {
      options: { maxPayload: options.maxFrameBytes * 4 },
      preClose: async function (this: FastifyInstance) {
        await shutdown();
        await new Promise<void>((resolve) => this.websocketServer.close(() => resolve()));
      },
    });
  } else {
    app.addHook("preClose", shutdown);
  }

  try {
    await options.hooks.onAppStartup?.();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ChatwireError("STARTUP_FAILED", `onAppStartup failed: ${reason}`, { cause: error });
  }

  app.addHook("onClose", async () => {
    await shutdown();
    await options.hooks.onAppShutdown?.();
  });

  app.get(options.path, { websocket: true }, (socket, request) => {
    if (shuttingDown !== undefined) {
      socket.close(1001, "server shutting down");
      return;
    }
    serveConnection(socket, options, request.log, registry);
  });

  options.onReady?.({ sessionCount: () => registry.size });
}

/**
 * The chatwire gateway as a Fastify plugin (encapsulated: its routes and hooks stay inside it).
 * @example
 * const server = Fastify();
 * await server.register(chatwire, { hooks: chat.seal(), path: "/ws" });
 * await server.listen({ port: 8000 });
 */
export const chatwire = fp(gateway, { name: "chatwire", fastify: "5.x", encapsulate: true }) as <S extends object>(
  app: FastifyInstance,
  options: GatewayOptions<S>,
) => Promise<void>;
