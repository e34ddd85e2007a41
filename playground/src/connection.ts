// The page's WebSocket: hello, acks, and reconnecting by itself. After a drop it resumes the live session
// (docs/reconnect.md): frames it missed are replayed in order; if the session is gone, a new one starts.
import type { ClientFrame, PROTOCOL_VERSION, ServerFrame, ServerFrameOf } from "../../lib/protocol/index.ts";

/** The connection as the page shows it. */
export type LinkState = "connecting" | "open" | "reconnecting" | "closed";

/** What the connection tells the page. */
export interface ConnectionEvents {
  /** Every frame after the handshake (session frames once each, in `seq` order). */
  frame(frame: ServerFrame): void;
  /** A session is ready: `resumed` (the same one, nothing lost) or a new one (`replaced`: an earlier one was lost). */
  welcome(welcome: ServerFrameOf<"welcome">, how: { resumed: boolean; replaced: boolean }): void;
  state(state: LinkState, detail?: string): void;
}

const protocol: typeof PROTOCOL_VERSION = 1;
/** Acknowledge after this many frames, or after ACK_DELAY_MS, whichever comes first. */
const ACK_EVERY = 100;
const ACK_DELAY_MS = 1000;
/** Close codes after which trying again cannot help. */
const FINAL_CLOSES = new Set([1002, 4401]);
const retryDelayMs = (attempt: number) => Math.min(5000, 250 * 2 ** attempt) * (0.8 + Math.random() * 0.4);

/**
 * The gateway's URL: `?ws=` if given, else `/ws` on this host (wss: when the page is https:).
 * @example gatewayUrl(new URL("https://chat.example/?x")) // "wss://chat.example/ws"
 */
export function gatewayUrl(location: URL): string {
  const override = location.searchParams.get("ws");
  if (override) return new URL(override, location.href.replace(/^http/, "ws")).href;
  return `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}/ws`;
}

/** One logical connection to the gateway, across as many sockets as it takes. */
export class Connection {
  #socket: WebSocket | undefined;
  #ready = false;
  #done = false;
  #attempt = 0;
  #queue: ClientFrame[] = [];
  #session: ServerFrameOf<"welcome"> | undefined;
  #lastSeq = 0;
  #acked = 0;
  #ackTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly url: string,
    private readonly events: ConnectionEvents,
  ) {}

  /** Opens the first socket; later ones open by themselves after a drop. */
  start(): void {
    if (this.#socket === undefined) this.#open();
  }

  /** Sends a frame now, or once the session is ready (frames typed while offline are not lost). */
  send(frame: ClientFrame): void {
    if (this.#ready && this.#socket?.readyState === WebSocket.OPEN) this.#socket.send(JSON.stringify(frame));
    else this.#queue.push(frame);
  }

  /** Sends a binary frame if the session is ready; false if it could not (binary frames are not queued). */
  sendBinary(bytes: Uint8Array): boolean {
    if (!this.#ready || this.#socket?.readyState !== WebSocket.OPEN) return false;
    this.#socket.send(bytes);
    return true;
  }

  /** Whether a session is ready now. */
  get ready(): boolean {
    return this.#ready;
  }

  /** Ends the session for good (close code 1000: the server ends it now rather than waiting for a resume). */
  close(): void {
    this.#done = true;
    this.#socket?.close(1000, "page closed");
  }

  #open(): void {
    this.events.state(this.#session === undefined && this.#attempt === 0 ? "connecting" : "reconnecting");
    const socket = new WebSocket(this.url);
    socket.binaryType = "arraybuffer";
    this.#socket = socket;
    socket.onopen = () => socket.send(JSON.stringify(this.#hello()));
    socket.onmessage = (event) => {
      if (typeof event.data === "string") this.#receive(JSON.parse(event.data) as ServerFrame);
    };
    socket.onclose = (event) => {
      if (socket !== this.#socket) return;
      this.#ready = false;
      clearTimeout(this.#ackTimer);
      this.#ackTimer = undefined;
      if (this.#done || FINAL_CLOSES.has(event.code)) {
        this.events.state("closed", event.reason || `closed (${event.code})`);
        return;
      }
      const delay = retryDelayMs(this.#attempt++);
      this.events.state("reconnecting", `connection lost, reconnecting in ${Math.ceil(delay / 1000)} s…`);
      setTimeout(() => this.#open(), delay);
    };
  }

  #hello(): ClientFrame {
    const session = this.#session;
    if (session === undefined) return { type: "hello", protocol };
    const resume = { sessionId: session.sessionId, resumeToken: session.resumeToken, lastSeq: this.#lastSeq };
    // With persistence, an anonymous thread can be reopened by its secret if the live session is gone.
    const thread =
      session.threadSecret === undefined ? {} : { thread: { id: session.threadId, secret: session.threadSecret } };
    return { type: "hello", protocol, resume, ...thread };
  }

  #receive(frame: ServerFrame): void {
    if (frame.type === "welcome") {
      this.#welcome(frame);
      return;
    }
    if (frame.seq > 0) {
      if (frame.seq <= this.#lastSeq) return; // already processed (the server replays each frame once; be safe)
      this.#lastSeq = frame.seq;
    }
    this.events.frame(frame);
    if (frame.seq > 0) this.#scheduleAck();
  }

  #welcome(welcome: ServerFrameOf<"welcome">): void {
    const replaced = this.#session !== undefined && !welcome.resumed;
    // A new session keeps the thread secret of the old one if it reopened that thread (the secret is sent once).
    const secret =
      welcome.threadSecret ?? (welcome.threadId === this.#session?.threadId ? this.#session?.threadSecret : undefined);
    this.#session = secret === undefined ? welcome : { ...welcome, threadSecret: secret };
    if (!welcome.resumed) {
      this.#lastSeq = 0;
      this.#acked = 0;
    }
    this.#ready = true;
    this.#attempt = 0;
    this.events.state("open");
    this.events.welcome(welcome, { resumed: welcome.resumed, replaced });
    for (const frame of this.#queue.splice(0)) this.send(frame);
  }

  #scheduleAck(): void {
    if (this.#lastSeq - this.#acked >= ACK_EVERY) this.#ack();
    else this.#ackTimer ??= setTimeout(() => this.#ack(), ACK_DELAY_MS);
  }

  #ack(): void {
    clearTimeout(this.#ackTimer);
    this.#ackTimer = undefined;
    if (this.#lastSeq <= this.#acked || this.#socket?.readyState !== WebSocket.OPEN) return;
    this.#acked = this.#lastSeq;
    this.#socket.send(JSON.stringify({ type: "ack", seq: this.#acked } satisfies ClientFrame));
  }
}
