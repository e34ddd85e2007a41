// A real `ws` client for integration tests: frames are parsed, and every wait is bounded.
import type { FastifyInstance } from "fastify";
import WebSocket from "ws";
import type { ClientFrame } from "../protocol/client.ts";
import type { ServerFrame, ServerFrameOf, ServerFrameType } from "../protocol/server.ts";

/** A connected test client. */
export interface TestClient {
  readonly socket: WebSocket;
  /** Sends a frame (an object is JSON-encoded; a string or bytes go as they are). */
  send(frame: ClientFrame | string | Uint8Array): void;
  /** The next frame not yet taken; rejects after `timeoutMs` (default 2000). */
  next(timeoutMs?: number): Promise<ServerFrame>;
  /** Skips frames until one of `type` arrives and returns it (the skipped ones stay in `received`). */
  until<T extends ServerFrameType>(type: T, timeoutMs?: number): Promise<ServerFrameOf<T>>;
  /** Every frame received so far. */
  readonly received: ServerFrame[];
  /** Resolves with the close code when the server closes the socket. */
  readonly closed: Promise<number>;
  close(): Promise<void>;
}

/** The WebSocket URL of a listening Fastify server. */
export function wsUrl(server: FastifyInstance, path = "/ws"): string {
  const address = server.server.address();
  if (address === null || typeof address === "string") throw new Error("server is not listening on TCP");
  return `ws://127.0.0.1:${address.port}${path}`;
}

/**
 * Opens a WebSocket to `url` (or a listening server) and, unless `hello: false`, sends `hello` and waits for `welcome`.
 * @example
 * const client = await connectClient(server);
 * client.send({ type: "user_message", id: "m1", content: "hi" });
 * const reply = await client.until("message_new");
 */
export async function connectClient(
  target: FastifyInstance | string,
  options: { hello?: boolean; path?: string; headers?: Record<string, string>; chatProfile?: string } = {},
): Promise<TestClient & { welcome?: ServerFrameOf<"welcome"> }> {
  const url = typeof target === "string" ? target : wsUrl(target, options.path);
  const socket = new WebSocket(url, { headers: options.headers });
  const received: ServerFrame[] = [];
  let taken = 0;
  let wake: (() => void) | undefined;
  const closed = new Promise<number>((resolve) => socket.once("close", (code) => resolve(code)));
  socket.on("message", (data) => {
    received.push(JSON.parse(String(data)) as ServerFrame);
    wake?.();
  });
  void closed.then(() => wake?.());
  await new Promise<void>((resolve, reject) => {
    socket.once("open", () => resolve());
    socket.once("error", reject);
  });

  const next = async (timeoutMs = 2000): Promise<ServerFrame> => {
    const deadline = AbortSignal.timeout(timeoutMs);
    while (taken >= received.length) {
      if (deadline.aborted) throw new Error(`no frame within ${timeoutMs} ms (got ${received.length})`);
      if (socket.readyState === WebSocket.CLOSED) throw new Error("socket closed while waiting for a frame");
      await new Promise<void>((resolve) => {
        wake = resolve;
        deadline.addEventListener("abort", () => resolve(), { once: true });
      });
    }
    const frame = received[taken++];
    if (frame === undefined) throw new Error("unreachable");
    return frame;
  };
  const until = async <T extends ServerFrameType>(type: T, timeoutMs = 2000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const frame = await next(Math.max(1, deadline - Date.now()));
      if (frame.type === type) return frame as ServerFrameOf<T>;
    }
  };
  const client: TestClient = {
    socket,
    received,
    closed,
    next,
    until,
    send: (frame) =>
      socket.send(typeof frame === "object" && !(frame instanceof Uint8Array) ? JSON.stringify(frame) : frame),
    close: async () => {
      if (socket.readyState !== WebSocket.CLOSED) {
        socket.close();
        await closed;
      }
    },
  };
  if (options.hello === false) return client;
  client.send(
    options.chatProfile === undefined
      ? { type: "hello", protocol: 1 }
      : { type: "hello", protocol: 1, chatProfile: options.chatProfile },
  );
  return { ...client, welcome: await client.until("welcome") };
}
