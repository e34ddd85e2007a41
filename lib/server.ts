// A ready-made server around the gateway: what `chatwire run` and `serve()` use. Embedders register the plugin instead.
// Every option given as `undefined` gets its default, as an absent one does.
import Fastify, { type FastifyInstance, type FastifyServerOptions } from "fastify";
import { oauthProvidersFromEnv } from "./auth/oauth-env.ts";
import { createDataLayer } from "./data/select.ts";
import { checkNumber } from "./gateway/check-options.ts";
import type { GatewayOptions } from "./gateway/options.ts";
import type { DataOption } from "./gateway/persistence.ts";
import { chatwire } from "./gateway/plugin.ts";
import { defaultApp } from "./hooks/registrars.ts";
import type { HookTable } from "./hooks/table.ts";
import type { PlaygroundOptions } from "./playground/plugin.ts";
import { MAX_TIMER_MS } from "./runtime/timers.ts";

/** Options of `createServer` and `serve`: the gateway's, plus Fastify's logger and the playground page. */
export interface ServerOptions<S extends object> extends Omit<GatewayOptions<S>, "hooks" | "data"> {
  /** The sealed hook table. Default: the default app's (the hooks registered with `onMessage(…)` and the rest). */
  readonly hooks?: HookTable<S> | undefined;
  /** Persistence, as the plugin's `data` option. Default: DATABASE_URL, else SQLite in .chatwire/; `false`: none. */
  readonly data?: DataOption | undefined;
  /** Fastify's logger option. Default: pino at LOG_LEVEL (else "info"). */
  readonly logger?: FastifyServerOptions["logger"] | undefined;
  /** Fastify's `trustProxy`: behind a reverse proxy, which proxies to believe about the client's address (login
   * throttling counts per address). Default: none, `request.ip` is the socket's peer. */
  readonly trustProxy?: FastifyServerOptions["trustProxy"] | undefined;
  /** Serve the playground page at "/" (default true), or with these options (which origins may frame it, …). */
  readonly playground?: boolean | PlaygroundOptions | undefined;
}

/** Where `serve` listens: `PORT`/`HOST` from the environment, else 127.0.0.1:8000. */
export interface ListenOptions {
  readonly port?: number | undefined;
  readonly host?: string | undefined;
  /** After SIGINT/SIGTERM, exit with code 1 if closing takes longer than this (default 30 s). */
  readonly shutdownTimeoutMs?: number | undefined;
}

/**
 * A Fastify server with the gateway (and the playground page) registered, not listening yet. Without `hooks`, it
 * seals the default app; without `data`, it persists to DATABASE_URL or to SQLite in .chatwire/.
 * @example const server = await createServer({ hooks: chat.seal() }); await server.listen({ port: 0 });
 */
export async function createServer<S extends object = Record<string, unknown>>(
  options: ServerOptions<S> = {},
): Promise<FastifyInstance> {
  const {
    logger = { level: process.env.LOG_LEVEL ?? "info" },
    trustProxy = false,
    hooks,
    playground: withPage = true,
    ...gateway
  } = options;
  // The route schemas are TypeBox's, valid by construction: checking them against JSON Schema's meta-schema at
  // start-up is ~40 ms of ajv compiling for nothing.
  const server = Fastify({ logger, trustProxy, ajv: { customOptions: { validateSchema: false } } });
  const table = hooks ?? (defaultApp.seal() as unknown as HookTable<S>);
  // Persistence is on by default here (DATABASE_URL, else SQLite in .chatwire/); `data: false` turns it off.
  const opened = gateway.data === undefined ? await createDataLayer() : undefined;
  if (opened !== undefined) server.addHook("onClose", () => opened.close());
  const data = gateway.data ?? opened ?? false;
  // CHATWIRE_CLUSTER=1 makes `chatwire run` a cluster node (on DATABASE_URL) without code.
  const cluster = gateway.cluster ?? (process.env.CHATWIRE_CLUSTER === "1" ? true : undefined);
  // CHATWIRE_OAUTH_PROVIDERS (and each provider's variables) when the options name no providers.
  const envProviders = gateway.auth?.oauthProviders === undefined ? oauthProvidersFromEnv() : undefined;
  const publicUrl = gateway.auth?.publicUrl ?? (process.env.CHATWIRE_PUBLIC_URL || undefined);
  const auth =
    envProviders === undefined && publicUrl === undefined
      ? gateway.auth
      : { ...gateway.auth, ...(envProviders === undefined ? {} : { oauthProviders: envProviders }), publicUrl };
  await server.register(chatwire<S>, { ...gateway, data, hooks: table, cluster, auth });
  if (withPage !== false) {
    const { playground } = await import("./playground/plugin.ts");
    await server.register(playground, withPage === true ? {} : withPage);
  }
  return server;
}

/**
 * Serves the default app (or `options.hooks`) until SIGINT/SIGTERM, then closes gracefully.
 * @example onMessage((ctx, m) => ctx.send(m.content)); await serve({ port: 8000 });
 */
export async function serve<S extends object = Record<string, unknown>>(
  options: ServerOptions<S> & ListenOptions = {},
): Promise<FastifyInstance> {
  const {
    port = Number(process.env.PORT ?? 8000),
    host = process.env.HOST ?? "127.0.0.1",
    shutdownTimeoutMs = 30_000,
    ...rest
  } = options;
  checkNumber("shutdownTimeoutMs", shutdownTimeoutMs, MAX_TIMER_MS);
  const server = await createServer(rest);
  await server.listen({ port, host });
  const stop = () => {
    // Each session's end is bounded already; this bounds what is not (onAppShutdown, the database's close).
    setTimeout(() => {
      server.log.error(`shutdown took longer than ${shutdownTimeoutMs} ms: exiting anyway`);
      process.exit(1);
    }, shutdownTimeoutMs).unref();
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        server.log.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  return server;
}
