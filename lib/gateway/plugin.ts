// The chatwire Fastify plugin: a WebSocket route that turns connections into sessions, plus the app lifecycle.
import websocket from "@fastify/websocket";
import type { FastifyInstance, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { type AuthResult, authenticate } from "../auth/authenticate.ts";
import { isAllowedOrigin } from "../auth/origin.ts";
import type { TokenIssuer } from "../auth/tokens.ts";
import { threadRoutes } from "../data/routes.ts";
import { ChatwireError } from "../errors.ts";
import { LiveTable } from "../hooks/live-table.ts";
import type { HookTable } from "../hooks/table.ts";
import { loadTracing } from "../session/traces.ts";
import { serveConnection } from "./connection.ts";
import { durableTurnsOf } from "./durable-turns.ts";
import { openFiles } from "./files.ts";
import type { GatewayHandle } from "./handle.ts";
import type { ConnectionScope } from "./handshake.ts";
import { joinTheCluster } from "./join-cluster.ts";
import { LiveTokens } from "./live-tokens.ts";
import { type GatewayOptions, protocolPath, resolveOptions } from "./options.ts";
import { startOrphanSweeper } from "./orphan-sweeper.ts";
import { openPersistence } from "./persistence.ts";
import { profileRoute } from "./profiles.ts";
import { pushToThread } from "./push.ts";
import { SessionRegistry } from "./registry.ts";
import { serializerAtFirstRequest, validatorAtFirstRequest } from "./route-compilers.ts";
import { sessionAuth, usesSessions } from "./sessions.ts";
import { shareRoutes } from "./share-routes.ts";
import { closeSocket } from "./socket-sink.ts";
import { releaseUpgrade } from "./upgrade.ts";

export type { GatewayHandle };

async function gateway<S extends object>(app: FastifyInstance, opts: GatewayOptions<S>): Promise<void> {
  const options = resolveOptions(opts);
  // chatwire's routes (all registered below, in this encapsulated context) compile their schemas at first request.
  app.setValidatorCompiler(validatorAtFirstRequest);
  app.setSerializerCompiler(serializerAtFirstRequest);
  const registry = new SessionRegistry(options.maxTurnsPerNode);
  // What sessions and routes read: a reload (`chatwire run --watch`) swaps it whole.
  const hooks = new LiveTable(options.hooks);
  let shuttingDown: Promise<void> | undefined;

  // End every session with reason `shutdown` (each tells its client to reconnect elsewhere), then stop the socket
  // server.
  const shutdown = (): Promise<void> => {
    shuttingDown ??= Promise.all(registry.all().map((session) => session.end("shutdown"))).then(() => undefined);
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

  const persistence = await openPersistence(options.data, app.log, options.writeTimeoutMs, options.fileStorage);
  app.addHook("onClose", async () => {
    await shutdown();
    await options.hooks.onAppShutdown?.();
    await persistence?.close();
  });

  const files = await openFiles(app, options, persistence);
  const liveTokens = usesSessions(options) ? new LiveTokens() : undefined;
  const cluster = await joinTheCluster(options.cluster, {
    registry,
    log: app.log,
    files,
    revoked: (tokenId) => liveTokens?.revoke(tokenId),
  });
  if (cluster !== undefined) {
    registry.observer = cluster;
    // After every session has ended (and left the directory): the node leaves, its lease with it.
    app.addHook("onClose", () => cluster.close());
  }
  const sessions = await sessionAuth(app, options, hooks, persistence?.layer, (tokenId) => {
    liveTokens?.revoke(tokenId);
    // Other nodes hear it at once; their poll of the revocations is the fallback when the bus is down.
    cluster?.revoke(tokenId);
  });
  const tokens = sessions?.tokens;
  if (tokens !== undefined && liveTokens !== undefined && persistence !== undefined) {
    // Another node's logout is only in the shared database: polled, one lookup per live token.
    liveTokens.poll(options.revocationCheckMs, (tokenId) => tokens.isRevoked(tokenId), app.log);
    app.addHook("onClose", async () => liveTokens.stop());
  }
  if (options.hooks.setChatProfiles !== undefined) {
    profileRoute(app, () => hooks.table as HookTable<object>, tokens);
  }
  if (persistence !== undefined) {
    const userOf = async (request: FastifyRequest) => {
      const auth = await authenticate(request, hooks.table, tokens);
      return auth.ok ? auth.user : undefined;
    };
    await app.register(threadRoutes, { layer: persistence.layer, userOf, signer: files.signer });
    const viewHook = () => hooks.table.onSharedThreadView;
    const viewTimeoutMs = options.shareViewTimeoutMs;
    await app.register(shareRoutes, {
      layer: persistence.layer,
      userOf,
      viewHook,
      signer: files.signer,
      viewTimeoutMs,
      // The link stops working at once for live viewers too, on every node.
      onUnshared: (threadId: string) =>
        cluster === undefined ? registry.viewers.unshared(threadId) : cluster.unshared(threadId),
    });
  }
  // The upgrade is checked before it happens: a foreign origin gets HTTP 403; the user is decided here so that no
  // hook ever runs for a connection that is not authenticated.
  const auths = new WeakMap<FastifyRequest, AuthResult>();
  const preValidation = async (request: FastifyRequest, reply: import("fastify").FastifyReply) => {
    if (!isAllowedOrigin(request.headers.origin, request.headers.host, options.allowedOrigins)) {
      return reply.code(403).send({ code: "FORBIDDEN", message: "this origin may not open the chat socket" });
    }
    auths.set(request, await authenticate(request, hooks.table, tokens));
  };

  // Spans for tasks and steps when the app installed @opentelemetry/api (an optional peer; nothing loads without it).
  const tracing = await loadTracing();
  const durableTurns = await durableTurnsOf(options, persistence, cluster, app.log);
  const scope: ConnectionScope<S> = {
    durableTurns,
    options,
    hooks,
    log: app.log,
    registry,
    persistence,
    liveTokens,
    files,
    cluster,
    tracing,
  };
  if (durableTurns !== undefined) {
    const everyMs = options.orphanSweepMs;
    const sweeper = startOrphanSweeper(
      { ...scope, durableTurns },
      { everyMs, maxAtOnce: options.maxHeadlessRecoveries },
      app.log,
    );
    if (sweeper !== undefined) app.addHook("preClose", () => sweeper.close());
  }
  app.get(options.path, { websocket: true, preValidation }, (socket, request) => {
    releaseUpgrade(socket, app.log);
    const auth = auths.get(request);
    if (shuttingDown !== undefined) {
      closeSocket(socket, 1001, "server shutting down");
    } else if (auth === undefined || !auth.ok) {
      const message = auth === undefined || auth.ok ? "not authenticated" : auth.reason;
      socket.send(JSON.stringify({ seq: 0, type: "error", code: "UNAUTHENTICATED", message }));
      closeSocket(socket, 4401, "unauthenticated");
    } else {
      serveConnection(socket, scope, auth.user, auth.grant);
    }
  });

  await protocolAdapters(app, scope, tokens, () => shuttingDown !== undefined);
  options.onReady?.({
    sessionCount: () => registry.size,
    replaceHooks: (table) => void hooks.swap(table),
    notifyAll: (frame) => {
      for (const session of registry.all()) if (!session.ended) session.announce(frame);
    },
    pushToThread: (threadId, content) => pushToThread({ registry, cluster, persistence }, threadId, content),
    signIn: async (reply, user) => {
      if (sessions === undefined) {
        throw new ChatwireError(
          "INVALID_OPTION",
          "signIn needs session tokens: set auth.sessions (or register passwordAuth or oauthCallback)",
        );
      }
      return sessions.signIn(reply, user);
    },
  });
}

/** The protocol adapters asked for in `protocols`, each loaded only when it is on. */
async function protocolAdapters<S extends object>(
  app: FastifyInstance,
  scope: ConnectionScope<S>,
  tokens: TokenIssuer | undefined,
  shuttingDown: () => boolean,
): Promise<void> {
  const agui = protocolPath(scope.options.protocols?.agui, "/ag-ui");
  if (agui !== undefined) {
    const { aguiRoutes } = await import("../adapters/agui/routes.ts");
    await app.register(aguiRoutes<S>, { path: agui, scope, tokens, shuttingDown });
  }
  const chainlit = protocolPath(scope.options.protocols?.chainlit, "/ws/socket.io");
  if (chainlit !== undefined) {
    const { chainlitServer } = await import("../adapters/chainlit/server.ts");
    await chainlitServer<S>(app, { path: chainlit, scope, tokens });
  }
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
