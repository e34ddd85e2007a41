// The chatwire Fastify plugin: a WebSocket route that turns connections into sessions, plus the app lifecycle.
import websocket from "@fastify/websocket";
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import type { WebSocket } from "ws";
import { ChatwireError } from "../errors.ts";
import type { Session } from "../session/session.ts";
import { serveConnection } from "./connection.ts";
import { type GatewayOptions, resolveOptions } from "./options.ts";

async function gateway<S extends object>(app: FastifyInstance, opts: GatewayOptions<S>): Promise<void> {
  const options = resolveOptions(opts);
  const sessions = new Map<Session<S>, WebSocket>();
  let shuttingDown: Promise<void> | undefined;

  // Tell every client to reconnect elsewhere, end every session (reason `shutdown`), then stop the socket server.
  const shutdown = (): Promise<void> => {
    shuttingDown ??= (async () => {
      const ending = [...sessions].map(([session, socket]) => {
        session.emit({ type: "shutdown", reason: "server shutting down" });
        const ended = session.end("shutdown");
        socket.close(1001, "server shutting down");
        return ended;
      });
      await Promise.all(ending);
      sessions.clear();
    })();
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
    serveConnection(socket, options, request.log, sessions);
  });
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
