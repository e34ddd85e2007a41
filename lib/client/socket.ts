// The WebSocket the client speaks through: the platform's own where there is one (browsers, Node 22+), else the `ws`
// package (Node 20), loaded only then. Only what the client uses is declared, so chatwire/client's types need
// neither the DOM's nor ws's typings.

/** Event handlers compared bivariantly (as methods are), so the DOM's, undici's and ws's sockets all fit. */
type Handler<E> = { bivarianceHack(event: E): void }["bivarianceHack"];

/** A WebSocket as the standard defines it: what chatwire/client needs of one. */
export interface SocketLike {
  readonly readyState: number;
  binaryType: string;
  onopen: Handler<unknown> | null;
  onmessage: Handler<{ readonly data: unknown }> | null;
  onclose: Handler<{ readonly code: number; readonly reason: string }> | null;
  onerror: Handler<unknown> | null;
  send(data: string | Uint8Array): void;
  close(code?: number, reason?: string): void;
}

/** A WebSocket class: the browser's, Node's (undici, which takes `{ headers }`), or `ws`'s default export. */
export type SocketConstructor = new (url: string, init?: { headers: Record<string, string> }) => SocketLike;

/** readyState of an open socket (the standard's OPEN). */
export const OPEN = 1;

let loaded: Promise<SocketConstructor> | undefined;

/**
 * The WebSocket class to use: `given` if any, the global one, else `ws` (imported by a computed name, so bundlers
 * building for browsers leave it alone).
 */
export function socketClass(given: SocketConstructor | undefined): Promise<SocketConstructor> {
  if (given !== undefined) return Promise.resolve(given);
  const global = (globalThis as unknown as { WebSocket?: SocketConstructor }).WebSocket;
  if (global !== undefined) return Promise.resolve(global);
  const name = "ws";
  loaded ??= (import(name) as Promise<{ default: SocketConstructor }>).then((module) => module.default);
  return loaded;
}
