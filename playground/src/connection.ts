// The page's WebSocket: hello, acks, and reconnecting by itself. After a drop it resumes the live session
// (docs/reconnect.md): frames it missed are replayed in order; if the session is gone, the stored thread reopens
// in the same hello when there is one, else a new conversation starts.
import type {
  ClientFrame,
  PROTOCOL_VERSION,
  ServerFrame,
  ServerFrameOf,
  ThreadRequest,
} from "../../lib/protocol/index.ts";

/** The connection as the page shows it. */
export type LinkState = "connecting" | "open" | "reconnecting" | "closed";

/** What the connection tells the page. */
export interface ConnectionEvents {
  /** Every frame after the handshake (session frames once each, in `seq` order). */
  frame(frame: ServerFrame): void;
  /** A session is ready: `resumed` (the same one, nothing lost) or a new one. */
  welcome(welcome: ServerFrameOf<"welcome">, how: WelcomeKind): void;
  state(state: LinkState, detail?: string): void;
}

/** How a session came to be. `replaced`: an earlier session of this connection was lost (`lost` says why, from
 * `resume_failed`); `reopened`: its stored thread came back in the new session (a `thread_history` follows). */
export interface WelcomeKind {
  readonly resumed: boolean;
  readonly replaced: boolean;
  readonly reopened: boolean;
  readonly lost?: ServerFrameOf<"resume_failed">["reason"];
  /** Frames queued for the lost session and dropped, not sent to the new one (their asks, actions are gone). */
  readonly dropped: number;
}

const protocol: typeof PROTOCOL_VERSION = 1;
/** Acknowledge after this many frames, or after ACK_DELAY_MS, whichever comes first. */
const ACK_EVERY = 100;
const ACK_DELAY_MS = 1000;
/** Close codes after which trying again cannot help. */
const FINAL_CLOSES = new Set([1002, 4401]);
const retryDelayMs = (attempt: number) => Math.min(5000, 250 * 2 ** attempt) * (0.8 + Math.random() * 0.4);

/** The gateway the page connects to; `refused` is a `?ws=` that named a gateway the server does not allow. */
export interface GatewayChoice {
  readonly url: string;
  readonly refused?: string;
}

/**
 * The gateway's URL: `/ws` on this host (wss: when the page is https:), or `?ws=` if it names one on this origin or
 * one of the server's `allowed` gateways (PageConfig.gateways): a link must not point the page at any server.
 * @example gatewayUrl(new URL("https://chat.example/?x"), []).url // "wss://chat.example/ws"
 */
export function gatewayUrl(location: URL, allowed: readonly string[]): GatewayChoice {
  const socketScheme = location.protocol === "https:" ? "wss:" : "ws:";
  const own = `${socketScheme}//${location.host}/ws`;
  const override = location.searchParams.get("ws");
  if (!override) return { url: own };
  let url: URL;
  try {
    url = new URL(override, location.href.replace(/^http/, "ws"));
  } catch {
    return { url: own, refused: override };
  }
  const sameOrigin = url.protocol === socketScheme && url.host === location.host;
  return sameOrigin || allowed.includes(url.href) ? { url: url.href } : { url: own, refused: url.href };
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
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  /** The stored thread the next new session should reopen (from the list), until a welcome arrives. */
  #reopen: ThreadRequest | undefined;
  /** Whether the session's thread is stored: threads are created at their first user message
   * (lib/session/thread-link.ts), so asking to reopen one before that only earns a THREAD_NOT_FOUND. */
  #threadStored = false;
  #lost: WelcomeKind["lost"];

  constructor(
    private readonly url: string,
    private readonly events: ConnectionEvents,
  ) {}

  /**
   * Starts a new session, ending the current one if any: a new conversation, or the stored `thread` reopened (the
   * server answers with its history and runs onChatResume). Sockets after a drop open by themselves.
   */
  open(thread?: ThreadRequest): void {
    this.close();
    this.#done = false;
    this.#attempt = 0;
    this.#reopen = thread;
    this.#open();
  }

  /** Sends a frame now, or once the session is ready (frames typed while offline are not lost). */
  send(frame: ClientFrame): void {
    if (frame.type === "user_message") this.#threadStored = true;
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
    const socket = this.#socket;
    this.#socket = undefined; // its close event is no longer ours to report
    socket?.close(1000, "page closed");
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#ackTimer);
    this.#ackTimer = undefined;
    this.#ready = false;
    this.#session = undefined;
    this.#queue = [];
    this.#lastSeq = 0;
    this.#acked = 0;
    this.#threadStored = false;
  }

  #open(): void {
    this.events.state(this.#session === undefined && this.#attempt === 0 ? "connecting" : "reconnecting");
    const socket = new WebSocket(this.url);
    socket.binaryType = "arraybuffer";
    this.#socket = socket;
    socket.onopen = () => socket.send(JSON.stringify(this.#hello()));
    socket.onmessage = (event) => {
      // A socket closed by open() may still deliver frames of the session it ended: they are not this one's.
      if (socket === this.#socket && typeof event.data === "string")
        this.#receive(JSON.parse(event.data) as ServerFrame);
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
      this.#retryTimer = setTimeout(() => this.#open(), delay);
    };
  }

  #hello(): ClientFrame {
    const session = this.#session;
    if (session === undefined) return { type: "hello", protocol, ...(this.#reopen ? { thread: this.#reopen } : {}) };
    const resume = { sessionId: session.sessionId, resumeToken: session.resumeToken, lastSeq: this.#lastSeq };
    const thread = this.#fallbackThread(session);
    return { type: "hello", protocol, resume, ...(thread ? { thread } : {}) };
  }

  /** The stored thread to reopen if the live session is gone: a user's own by id, an anonymous one by its secret. */
  #fallbackThread(session: ServerFrameOf<"welcome">): ThreadRequest | undefined {
    if (!this.#threadStored) return undefined;
    if (session.threadSecret !== undefined) return { id: session.threadId, secret: session.threadSecret };
    return session.user === undefined ? undefined : { id: session.threadId };
  }

  #receive(frame: ServerFrame): void {
    if (frame.type === "welcome") {
      this.#welcome(frame);
      return;
    }
    if (frame.type === "resume_failed") this.#lost = frame.reason; // said with the welcome that follows
    if (frame.type === "thread_history") this.#threadStored = true;
    if (frame.seq > 0) {
      if (frame.seq <= this.#lastSeq) return; // already processed (the server replays each frame once; be safe)
      this.#lastSeq = frame.seq;
    }
    this.events.frame(frame);
    if (frame.seq > 0) this.#scheduleAck();
  }

  #welcome(welcome: ServerFrameOf<"welcome">): void {
    const previous = this.#session;
    const replaced = previous !== undefined && !welcome.resumed;
    const reopened = !welcome.resumed && welcome.threadId === (previous?.threadId ?? this.#reopen?.id);
    const lost = this.#lost;
    this.#lost = undefined;
    this.#reopen = undefined;
    if (!welcome.resumed) this.#threadStored = reopened;
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
    // Frames queued while offline were meant for the session that is gone: an ask_reply or action_call names its
    // asks and actions, a user_message continues its turns. A replacement must not get them.
    const queued = this.#queue.splice(0);
    const dropped = replaced ? queued.length : 0;
    this.events.state("open");
    this.events.welcome(welcome, { resumed: welcome.resumed, replaced, reopened, dropped, ...(lost ? { lost } : {}) });
    if (!replaced) for (const frame of queued) this.send(frame);
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
