// One logical connection to the gateway across as many sockets as it takes: hello, acks, reconnecting with backoff
// and jitter. After a drop it resumes the live session (docs/reconnect.md): the frames it missed are replayed in
// order; if the session is gone, the stored thread reopens in the same hello when there is one, else a new
// conversation starts. It knows frames only by their `type` and `seq`; what they mean is state.ts's business.
import type {
  ClientFrame,
  PROTOCOL_VERSION,
  ServerFrame,
  ServerFrameOf,
  ThreadRequest,
  ViewRequest,
} from "../protocol/index.ts";
import { MAX_TIMER_MS } from "../runtime/timers.ts";
import { OPEN, type SocketConstructor, type SocketLike, socketClass } from "./socket.ts";

/** The connection as a UI shows it. */
export type ConnectionStatus = "connecting" | "open" | "reconnecting" | "closed";

/** Why the live session could not be resumed (`resume_failed`). */
export type LostReason = ServerFrameOf<"resume_failed">["reason"];

/** How a session came to be. */
export interface SessionStart {
  readonly welcome: ServerFrameOf<"welcome">;
  /** The same live session as before the drop: nothing was lost. */
  readonly resumed: boolean;
  /** An earlier session of this connection was lost (`lost` says why, from `resume_failed`). */
  readonly replaced: boolean;
  /** The stored thread came back in the new session (a `thread_history` follows). */
  readonly reopened: boolean;
  readonly lost?: LostReason;
  /** Frames queued for the lost session and dropped, not sent to the new one (their asks, actions are gone). */
  readonly dropped: number;
}

/** The socket went away and another is coming. */
export interface Offline {
  readonly code: number;
  readonly reason: string;
  /** Retries so far since the last good connection (1 for the first). */
  readonly attempt: number;
  readonly retryInMs: number;
}

/** The connection is over for good: `close()` (`byClient`), or a close after which retrying cannot help. */
export interface Closed {
  readonly code: number;
  readonly reason: string;
  readonly byClient: boolean;
  /** The error frame that came before the close, if any (`UNAUTHENTICATED` before 4401, `PROTOCOL_VERSION`…). */
  readonly error?: ServerFrameOf<"error">;
}

/** What the connection tells its owner. */
export interface ConnectionEvents {
  /** Every frame after the handshake (session frames once each, in `seq` order), before it is acknowledged. */
  frame(frame: ServerFrame): void;
  /** A binary frame from the server (output audio). */
  binary(bytes: Uint8Array): void;
  /** A frame was written to the socket (queued ones when the session is ready). */
  sent(frame: ClientFrame): void;
  session(start: SessionStart): void;
  status(status: ConnectionStatus): void;
  offline(offline: Offline): void;
  closed(closed: Closed): void;
}

/** Reconnection timing: the delay doubles from `initialDelayMs` up to `maxDelayMs`, ±20% jitter. */
export interface ReconnectOptions {
  readonly initialDelayMs?: number | undefined;
  readonly maxDelayMs?: number | undefined;
  /** Give up (closed) after this many failed attempts in a row; default: never. */
  readonly maxAttempts?: number | undefined;
}

/** Options of a connection (see ConnectOptions for their meaning). */
export interface ConnectionOptions {
  readonly headers?: Record<string, string> | undefined;
  readonly chatProfile?: string | undefined;
  readonly reconnect?: ReconnectOptions | undefined;
  readonly ackEvery?: number | undefined;
  readonly ackDelayMs?: number | undefined;
  readonly WebSocket?: SocketConstructor | undefined;
}

const protocol: typeof PROTOCOL_VERSION = 1;
/** Close codes after which trying again cannot help: protocol version, not authenticated, a view refused. */
const FINAL_CLOSES = new Set([1002, 4401, 4403, 4404]);

/** One logical connection to the gateway. */
export class Connection {
  #socket: SocketLike | undefined;
  #ready = false;
  /** Set from a new session's welcome until its first frame or the next turn of the event loop: frames wait, so
   * that an opening task's task_start (sent with the welcome) is seen before any request goes out. */
  #holding = false;
  #done = true;
  #attempt = 0;
  #queue: ClientFrame[] = [];
  #session: ServerFrameOf<"welcome"> | undefined;
  #lastSeq = 0;
  #acked = 0;
  #ackTimer: ReturnType<typeof setTimeout> | undefined;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  /** The stored thread the next new session should reopen, until a welcome arrives. */
  #reopen: ThreadRequest | undefined;
  /** The share this client views read-only (`hello.view`): opened again if its viewer session is gone. */
  #view: ViewRequest | undefined;
  /** Whether the session's thread is stored: threads are created at their first user message, so asking to reopen
   * one before that only earns a THREAD_NOT_FOUND. */
  #threadStored = false;
  #lost: LostReason | undefined;
  /** The last connection-level error frame (seq 0): it says why a close that follows happened. */
  #lastError: ServerFrameOf<"error"> | undefined;

  private readonly url: string;
  private readonly options: ConnectionOptions;
  private readonly events: ConnectionEvents;

  constructor(url: string, options: ConnectionOptions, events: ConnectionEvents) {
    this.url = url;
    this.options = options;
    this.events = events;
    this.#profile = options.chatProfile;
  }

  /** The chat profile the next new session asks for (`hello.chatProfile`). */
  #profile: string | undefined;

  /** Asks for `chatProfile` in every new session from now on (the current one keeps its own). */
  chooseProfile(chatProfile: string | undefined): void {
    this.#profile = chatProfile;
  }

  /** Starts a new session, ending the current one if any: a new conversation, or the stored `thread` reopened. */
  open(thread?: ThreadRequest, view?: ViewRequest): void {
    this.#end();
    this.#done = false;
    this.#attempt = 0;
    this.#reopen = thread;
    this.#view = view;
    void this.#open();
  }

  /** Sends a frame now, or once the session is ready (frames sent while offline are not lost, unless the session
   * they were meant for is: see SessionStart.dropped). */
  send(frame: ClientFrame): void {
    if (frame.type === "user_message") this.#threadStored = true;
    if (this.#ready && !this.#holding && this.#socket?.readyState === OPEN) this.#write(this.#socket, frame);
    else this.#queue.push(frame);
  }

  /** Sends a binary frame if the session is ready and nothing waits before it; false if not (binary frames are not
   * queued: send the JSON form instead). */
  sendBinary(bytes: Uint8Array): boolean {
    if (!this.#ready || this.#holding || this.#queue.length > 0 || this.#socket?.readyState !== OPEN) return false;
    this.#socket.send(bytes);
    return true;
  }

  /** Whether a session is ready now. */
  get ready(): boolean {
    return this.#ready;
  }

  /** Whether the connection is over (never opened, or closed). */
  get done(): boolean {
    return this.#done;
  }

  /** The current session's welcome (undefined before the first). */
  get session(): ServerFrameOf<"welcome"> | undefined {
    return this.#session;
  }

  /** Ends the session for good (close code 1000: the server ends it now rather than waiting for a resume). */
  close(): void {
    if (this.#done) return;
    this.#end();
    this.events.status("closed");
    this.events.closed({ code: 1000, reason: "closed by the client", byClient: true });
  }

  #end(): void {
    this.#done = true;
    const socket = this.#socket;
    this.#socket = undefined; // its close event is no longer ours to report
    socket?.close(1000, "client closed");
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#ackTimer);
    this.#ackTimer = undefined;
    this.#ready = false;
    this.#holding = false;
    this.#session = undefined;
    this.#queue = [];
    this.#lastSeq = 0;
    this.#acked = 0;
    this.#threadStored = false;
    this.#lost = undefined;
  }

  async #open(): Promise<void> {
    this.events.status(this.#session === undefined && this.#attempt === 0 ? "connecting" : "reconnecting");
    let socket: SocketLike;
    try {
      const Socket = await socketClass(this.options.WebSocket);
      if (this.#done) return;
      const headers = this.options.headers;
      socket = headers === undefined ? new Socket(this.url) : new Socket(this.url, { headers });
    } catch (error) {
      // A URL the platform refuses, or no WebSocket to be had: nothing a retry changes.
      this.#done = true;
      this.events.status("closed");
      this.events.closed({
        code: 1006,
        reason: error instanceof Error ? error.message : String(error),
        byClient: false,
      });
      return;
    }
    socket.binaryType = "arraybuffer";
    this.#socket = socket;
    this.#lastError = undefined;
    socket.onopen = () => socket.send(JSON.stringify(this.#hello()));
    socket.onmessage = (event) => {
      // A socket closed by open() may still deliver frames of the session it ended: they are not this one's.
      if (socket !== this.#socket) return;
      if (typeof event.data === "string") this.#receive(JSON.parse(event.data));
      else if (event.data instanceof ArrayBuffer) this.events.binary(new Uint8Array(event.data));
    };
    socket.onerror = () => undefined; // a close event follows; it says all there is to say
    socket.onclose = (event) => this.#closed(socket, event.code, event.reason);
  }

  #closed(socket: SocketLike, code: number, reason: string): void {
    if (socket !== this.#socket) return;
    this.#ready = false;
    clearTimeout(this.#ackTimer);
    this.#ackTimer = undefined;
    const maxAttempts = this.options.reconnect?.maxAttempts ?? Number.POSITIVE_INFINITY;
    if (FINAL_CLOSES.has(code) || this.#attempt >= maxAttempts) {
      const error = this.#lastError;
      this.#socket = undefined;
      this.#done = true;
      this.events.status("closed");
      this.events.closed({ code, reason: reason || `closed (${code})`, byClient: false, ...(error ? { error } : {}) });
      return;
    }
    const retryInMs = this.#delay(this.#attempt++);
    this.events.status("reconnecting");
    this.events.offline({ code, reason, attempt: this.#attempt, retryInMs });
    this.#retryTimer = setTimeout(() => void this.#open(), retryInMs);
  }

  #delay(attempt: number): number {
    const initial = this.options.reconnect?.initialDelayMs ?? 250;
    const max = this.options.reconnect?.maxDelayMs ?? 5000;
    // Within what timers can wait: a longer delay would fire at once, and a retry loop would spin.
    return Math.min(MAX_TIMER_MS, Math.round(Math.min(max, initial * 2 ** attempt) * (0.8 + Math.random() * 0.4)));
  }

  #hello(): ClientFrame {
    const profile = this.#profile === undefined ? {} : { chatProfile: this.#profile };
    const session = this.#session;
    if (this.#view !== undefined) {
      // A viewer resumes its session, or views the share again: never a conversation of its own.
      const resume =
        session === undefined
          ? {}
          : { resume: { sessionId: session.sessionId, resumeToken: session.resumeToken, lastSeq: this.#lastSeq } };
      return { type: "hello", protocol, ...resume, view: this.#view };
    }
    if (session === undefined)
      return { type: "hello", protocol, ...profile, ...(this.#reopen ? { thread: this.#reopen } : {}) };
    const resume = { sessionId: session.sessionId, resumeToken: session.resumeToken, lastSeq: this.#lastSeq };
    const thread = this.#fallbackThread(session);
    return { type: "hello", protocol, ...profile, resume, ...(thread ? { thread } : {}) };
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
    if (frame.type === "error" && frame.seq === 0) this.#lastError = frame;
    if (frame.type === "thread_history") this.#threadStored = true;
    if (frame.seq > 0) {
      if (frame.seq <= this.#lastSeq) return; // already processed (the server replays each frame once; be safe)
      this.#lastSeq = frame.seq;
    }
    this.events.frame(frame);
    if (frame.seq > 0) {
      this.#scheduleAck();
      if (frame.type !== "thread_history") this.#release();
    }
  }

  #write(socket: SocketLike, frame: ClientFrame): void {
    socket.send(JSON.stringify(frame));
    this.events.sent(frame);
  }

  /** Sends what waited for the session. */
  #release(): void {
    if (!this.#holding) return;
    this.#holding = false;
    for (const frame of this.#queue.splice(0)) this.send(frame);
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
      welcome.threadSecret ?? (welcome.threadId === previous?.threadId ? previous?.threadSecret : undefined);
    this.#session = secret === undefined ? welcome : { ...welcome, threadSecret: secret };
    if (!welcome.resumed) {
      this.#lastSeq = 0;
      this.#acked = 0;
    }
    this.#ready = true;
    this.#attempt = 0;
    // Frames queued while offline were meant for the session that is gone: an ask_reply or action_call names its
    // asks and actions, a user_message continues its turns. A replacement must not get them.
    const dropped = replaced ? this.#queue.splice(0).length : 0;
    this.events.status("open");
    this.events.session({ welcome, resumed: welcome.resumed, replaced, reopened, dropped, ...(lost ? { lost } : {}) });
    if (welcome.resumed) for (const frame of this.#queue.splice(0)) this.send(frame);
    else {
      this.#holding = true;
      setTimeout(() => this.#release(), 0);
    }
  }

  #scheduleAck(): void {
    if (this.#lastSeq - this.#acked >= (this.options.ackEvery ?? 100)) this.#ack();
    else this.#ackTimer ??= setTimeout(() => this.#ack(), Math.min(MAX_TIMER_MS, this.options.ackDelayMs ?? 1000));
  }

  #ack(): void {
    clearTimeout(this.#ackTimer);
    this.#ackTimer = undefined;
    if (this.#lastSeq <= this.#acked || this.#socket?.readyState !== OPEN) return;
    this.#acked = this.#lastSeq;
    this.#socket.send(JSON.stringify({ type: "ack", seq: this.#acked } satisfies ClientFrame));
  }
}
