// Support for chatwire/client's tests: a real gateway on 127.0.0.1, the TCP sockets of its upgrades (to cut them
// as a network failure would), and bounded waits on a client's snapshot and events.
import type { Duplex } from "node:stream";
import type { TestContext } from "node:test";
import type { FastifyInstance } from "fastify";
import type { ChatClient, ChatSnapshot, ClientEvents } from "../../lib/client/index.ts";
import { connect } from "../../lib/client/index.ts";
import type { HookTable } from "../../lib/hooks/table.ts";
import { createServer, type ServerOptions } from "../../lib/server.ts";

/** A listening server for `hooks` (no persistence unless `options` say), its WebSocket URL and upgrade sockets. */
export async function startChat<S extends object>(
  t: TestContext,
  hooks: HookTable<S>,
  options: Omit<ServerOptions<S>, "hooks"> = {},
): Promise<{ server: FastifyInstance; url: string; upgraded: Duplex[] }> {
  const server = await createServer<S>({ hooks, logger: false, data: false, playground: false, ...options });
  const upgraded: Duplex[] = [];
  server.server.on("upgrade", (_request, socket: Duplex) => upgraded.push(socket));
  await server.listen({ host: "127.0.0.1", port: 0 });
  t.after(() => server.close());
  const address = server.server.address();
  if (address === null || typeof address === "string") throw new Error("not listening on TCP");
  return { server, url: `ws://127.0.0.1:${address.port}/ws`, upgraded };
}

/** A client for the test (fast retries), closed when the test ends. */
export function client(t: TestContext, url: string, options: Parameters<typeof connect>[1] = {}): ChatClient {
  const made = connect(url, { reconnect: { initialDelayMs: 20, maxDelayMs: 200 }, ...options });
  t.after(() => made.close());
  return made;
}

/** Waits until `check(snapshot)` returns something other than undefined (checked at every change), or throws. */
export function until<T>(
  chat: ChatClient,
  check: (snapshot: ChatSnapshot) => T | undefined,
  what: string,
  timeoutMs = 5000,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const test = () => {
      const value = check(chat.getSnapshot());
      if (value === undefined) return false;
      clearTimeout(timer);
      unsubscribe();
      resolve(value);
      return true;
    };
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    const unsubscribe = chat.subscribe(test);
    test();
  });
}

/** The next event `name` of the client, or throws after `timeoutMs`. */
export function next<K extends keyof ClientEvents>(
  chat: ChatClient,
  name: K,
  timeoutMs = 5000,
): Promise<ClientEvents[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no ${String(name)} event within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = chat.on(name, (event) => {
      clearTimeout(timer);
      off();
      resolve(event);
    });
  });
}

/** The content of the last message from the assistant, once it is complete (not streaming). */
export const lastReply = (snapshot: ChatSnapshot) => {
  const reply = snapshot.messages.findLast((message) => message.role === "assistant");
  return reply !== undefined && !reply.streaming ? reply.content : undefined;
};

/** Polls `check` until it returns something other than undefined, or throws after `timeoutMs`. */
export async function eventually<T>(check: () => T | undefined, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
