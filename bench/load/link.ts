// One client connection, the same way for every server: connect, hello → welcome, then frames by type.
// Text frames are typed by a substring search; the full JSON is parsed only when a scenario asks for it.
import { io } from "socket.io-client";
import WebSocket from "ws";

/** Which wire a server speaks: plain WebSocket text frames (raw ws, chatwire) or socket.io events. */
export type Wire = "ws" | "socket.io";

/** A received frame: its type, and the whole frame on demand. */
export type FrameHandler = (type: string, frame: () => Record<string, unknown>) => void;

/** A connected client. */
export interface Link {
  send(frame: object): void;
  sendBinary(bytes: Uint8Array): void;
  /** Bytes written but not yet on the wire (ws only; socket.io reports 0). */
  readonly buffered: number;
  /** Closes normally (WebSocket code 1000: chatwire ends the session at once) and resolves once closed (<= 2 s). */
  close(): Promise<void>;
}

const typeOf = (text: string): string => {
  const at = text.indexOf('"type":"');
  return at === -1 ? "" : text.slice(at + 8, text.indexOf('"', at + 8));
};

const bounded = <T>(what: string, ms: number, run: (resolve: (value: T) => void, reject: (e: Error) => void) => void) =>
  new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    run(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });

const ACK_EVERY = 100;
const SEQ = /"seq":(\d+)/;

/** How a client reads. */
export interface ReadOptions {
  /** Read at most this many bytes a second (pausing the socket), like a client on a slow link. Default: no bound. */
  readonly readBytesPerSec?: number | undefined;
  /** Told of each binary frame (ws only). */
  readonly onBinary?: ((bytes: Uint8Array) => void) | undefined;
}

/** Pauses the socket whenever what it received runs more than 5 ms ahead of `bytesPerSec`, until it is due. */
function throttle(socket: WebSocket, bytesPerSec: number): (bytes: number) => void {
  let dueAt = 0;
  let paused = false;
  const resume = () => {
    paused = false;
    socket.resume();
  };
  return (bytes) => {
    const now = performance.now();
    dueAt = Math.max(dueAt, now) + (bytes * 1000) / bytesPerSec;
    if (paused || dueAt - now < 5) return;
    paused = true;
    socket.pause();
    setTimeout(resume, dueAt - now);
  };
}

async function connectWs(url: string, onFrame: FrameHandler, timeoutMs: number, read: ReadOptions): Promise<Link> {
  const socket = new WebSocket(url, { perMessageDeflate: false });
  let handler: FrameHandler = () => {};
  let unacknowledged = 0;
  const received = read.readBytesPerSec === undefined ? undefined : throttle(socket, read.readBytesPerSec);
  socket.on("message", (data, isBinary) => {
    received?.((data as Buffer).length);
    if (isBinary) {
      read.onBinary?.(data as Buffer);
      return;
    }
    const text = String(data);
    // Acknowledge every 100 frames, as the protocol asks a client to (docs/reconnect.md): without acks chatwire
    // keeps up to 20,000 frames per session for a replay. The floor gets the same ack frames (and ignores them).
    if (++unacknowledged === ACK_EVERY) {
      unacknowledged = 0;
      const seq = SEQ.exec(text)?.[1];
      if (seq !== undefined && seq !== "0") socket.send(`{"type":"ack","seq":${seq}}`);
    }
    handler(typeOf(text), () => JSON.parse(text));
  });
  await bounded<void>("welcome", timeoutMs, (resolve, reject) => {
    socket.once("error", reject);
    handler = (type) => {
      if (type === "welcome") resolve();
      else reject(new Error(`expected welcome, got ${type}`));
    };
    socket.once("open", () => socket.send('{"type":"hello","protocol":1}'));
  });
  socket.on("error", () => {});
  handler = onFrame;
  return {
    send: (frame) => socket.send(JSON.stringify(frame)),
    sendBinary: (bytes) => socket.send(bytes, { binary: true }),
    get buffered() {
      return socket.bufferedAmount;
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (socket.readyState === WebSocket.CLOSED) return resolve();
        const timer = setTimeout(() => {
          socket.terminate();
          resolve();
        }, 2000);
        socket.once("close", () => {
          clearTimeout(timer);
          resolve();
        });
        socket.close(1000);
      }),
  };
}

async function connectSocketIo(url: string, onFrame: FrameHandler, timeoutMs: number): Promise<Link> {
  const socket = io(url, { transports: ["websocket"], forceNew: true, reconnection: false, timeout: timeoutMs });
  let handler: FrameHandler = () => {};
  socket.on("frame", (frame: Record<string, unknown>) => handler(String(frame.type), () => frame));
  await bounded<void>("welcome", timeoutMs, (resolve, reject) => {
    socket.once("connect_error", reject);
    handler = (type) => {
      if (type === "welcome") resolve();
      else reject(new Error(`expected welcome, got ${type}`));
    };
    socket.once("connect", () => socket.emit("frame", { type: "hello", protocol: 1 }));
  });
  handler = onFrame;
  return {
    send: (frame) => socket.emit("frame", frame),
    sendBinary: (bytes) => socket.emit("frame", bytes),
    buffered: 0,
    close: async () => {
      socket.disconnect();
    },
  };
}

/** Connects and says hello; resolves once `welcome` arrived (bounded by `timeoutMs`). A bounded read rate is for
 * the ws wire only (socket.io's client does not expose its socket). */
export const connect = (
  wire: Wire,
  url: string,
  onFrame: FrameHandler,
  timeoutMs = 10_000,
  read: ReadOptions = {},
): Promise<Link> =>
  wire === "ws" ? connectWs(url, onFrame, timeoutMs, read) : connectSocketIo(url, onFrame, timeoutMs);

/** Connects `count` links, `batch` at a time (a burst of 10,000 SYNs overflows the listen backlog). */
export async function connectMany(count: number, open: (index: number) => Promise<Link>, batch = 250): Promise<Link[]> {
  const links: Link[] = [];
  for (let start = 0; start < count; start += batch) {
    const size = Math.min(batch, count - start);
    links.push(...(await Promise.all(Array.from({ length: size }, (_, i) => open(start + i)))));
  }
  return links;
}

/** Closes every link and waits (each bounded) until they are closed. */
export async function closeAll(links: readonly Link[]): Promise<void> {
  await Promise.all(links.map((link) => link.close()));
}
