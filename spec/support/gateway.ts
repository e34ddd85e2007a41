// Starts a real gateway on 127.0.0.1 with an ephemeral port for one test, and closes it after.
import type { TestContext } from "node:test";
import { chatwire, type GatewayOptions } from "chatwire";
import Fastify, { type FastifyInstance } from "fastify";

/** A listening Fastify server with the gateway registered; closed when the test ends. */
export async function startGateway<S extends object>(
  t: TestContext,
  options: GatewayOptions<S>,
): Promise<FastifyInstance> {
  const server = Fastify({ logger: false });
  await server.register(chatwire<S>, options);
  await server.listen({ host: "127.0.0.1", port: 0 });
  t.after(() => server.close());
  return server;
}

/** Resolves after `ms`, for giving a server time to (not) do something. */
export const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it is true, or rejects after `timeoutMs`. */
export async function eventually(check: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await pause(5);
  }
}
