// A real `ws` client for integration tests: frames are parsed, and every wait is bounded.
import type { FastifyInstance } from "fastify";
import WebSocket from "ws";
import { decodeAudioOutput } from "../protocol/binary.ts";
import type { ClientFrame, ResumeRequest } from "../protocol/client.ts";
import type { ServerFrame, ServerFrameOf, ServerFrameType } from "../protocol/server.ts";

/** An output audio chunk the client received (a binary frame of kind 2). */
export interface ReceivedAudio {
  readonly track: string;
  readonly data: Uint8Array;
  /** The highest session `seq` received before it: where it fell among the JSON frames. */
  readonly afterSeq: number;
}

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
  /** Every output audio chunk received so far (binary frames), in order. */
  readonly audio: ReceivedAudio[];
  /** Resolves with the close code when the socket closes. */
  readonly closed: Promise<number>;
  /** The highest session `seq` received so far (what to resume from). */
  readonly lastSeq: number;
  /** Closes the session for good (close code 1000: the server ends it now). */
  close(): Promise<void>;
  /** Drops the TCP connection without a close frame, as a network failure would (the session waits for a resume). */
  drop(): Promise<void>;
}

/** Options of connectClient. */
export interface ConnectOptions {
  /** Send hello and wait for welcome (default true). */
  readonly hello?: boolean | undefined;
  readonly path?: string | undefined;
  readonly headers?: Record<string, string> | undefined;
  readonly chatProfile?: string | undefined;
  /** Resume a live session (from a previous client's welcome and lastSeq). */
  readonly resume?: ResumeRequest | undefined;
  /** Acknowledge every N session frames (default 100; 0 never acks). */
  readonly ackEvery?: number | undefined;
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
  options: ConnectOptions = {},
): Promise<TestClient & { welcome?: ServerFrameOf<"welcome"> }> {
  const url = typeof target === "string" ? target : wsUrl(target, options.path);
  const socket = new WebSocket(url, { headers: options.headers });
  const received: ServerFrame[] = [];
  const audio: ReceivedAudio[] = [];
  let taken = 0;
  let wake: (() => boolean) | undefined;
  let lastSeq = options.resume?.lastSeq ?? 0;
  const ackEvery = options.ackEvery ?? 100;
  const closed = new Promise<number>((resolve) => socket.once("close", (code) => resolve(code)));
  socket.on("message", (data, isBinary) => {
    if (isBinary) {
      const bytes = Array.isArray(data) ? Buffer.concat(data) : new Uint8Array(data as ArrayBuffer | Buffer);
      audio.push({ ...decodeAudioOutput(bytes), afterSeq: lastSeq });
      return;
    }
    const frame = JSON.parse(String(data)) as ServerFrame;
    received.push(frame);
    if (frame.seq > lastSeq) {
      lastSeq = frame.seq;
      if (ackEvery > 0 && lastSeq % ackEvery === 0) socket.send(JSON.stringify({ type: "ack", seq: lastSeq }));
    }
    wake?.();
  });
  void closed.then(() => wake?.());
  await new Promise<void>((resolve, reject) => {
    socket.once("open", () => resolve());
    socket.once("error", reject);
  });

  const next = (timeoutMs = 2000): Promise<ServerFrame> =>
    new Promise<ServerFrame>((resolve, reject) => {
      const take = (): boolean => {
        const frame = received[taken];
        if (frame !== undefined) {
          taken++;
          resolve(frame);
        } else if (socket.readyState === WebSocket.CLOSED) {
          reject(new Error("socket closed while waiting for a frame"));
        } else return false;
        clearTimeout(timer);
        wake = undefined;
        return true;
      };
      const timer = setTimeout(() => {
        wake = undefined;
        reject(new Error(`no frame within ${timeoutMs} ms (got ${received.length})`));
      }, timeoutMs);
      if (!take()) wake = take;
    });
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
    audio,
    closed,
    get lastSeq() {
      return lastSeq;
    },
    next,
    until,
    send: (frame) =>
      socket.send(typeof frame === "object" && !(frame instanceof Uint8Array) ? JSON.stringify(frame) : frame),
    close: async () => {
      if (socket.readyState !== WebSocket.CLOSED) {
        socket.close(1000);
        await closed;
      }
    },
    drop: async () => {
      socket.terminate();
      await closed;
    },
  };
  if (options.hello === false) return client;
  client.send({
    type: "hello",
    protocol: 1,
    ...(options.chatProfile === undefined ? {} : { chatProfile: options.chatProfile }),
    ...(options.resume === undefined ? {} : { resume: options.resume }),
  });
  const welcome = await client.until("welcome");
  return Object.assign(client, { welcome });
}
