// One WebSocket, from `hello` to close: the handshake (new session or resume), then frames go to dispatch.
import { timingSafeEqual } from "node:crypto";
import type { FastifyBaseLogger } from "fastify";
import { nanoid } from "nanoid";
import type { RawData, WebSocket } from "ws";
import type { ChatwireError } from "../errors.ts";
import { decodeAudioChunk } from "../protocol/binary.ts";
import { FrameError, parseClientFrame } from "../protocol/check.ts";
import { type ClientFrame, type Hello, PROTOCOL_VERSION, type ResumeRequest } from "../protocol/client.ts";
import type { ServerFrameOf } from "../protocol/server.ts";
import type { User } from "../protocol/views.ts";
import { Session } from "../session/session.ts";
import { dispatch, dispatchAudioChunk } from "./dispatch.ts";
import type { ResolvedOptions } from "./options.ts";
import { linkThread, loadOwnedThread, type Persistence, restoredState } from "./persistence.ts";
import { RateLimiter } from "./rate.ts";
import type { SessionRegistry } from "./registry.ts";
import { SocketSink } from "./socket-sink.ts";

/** Close code the client sends to say it is done with the session (no resume will follow). */
const CLIENT_DONE = 1000;

/** Frames a client may send while its hello is still being answered (a stored thread is loading). */
const MAX_EARLY_FRAMES = 64;

type ConnectionFrame = ServerFrameOf<"welcome"> | ServerFrameOf<"resume_failed"> | ServerFrameOf<"error">;

const textOf = (data: RawData): string =>
  Array.isArray(data) ? Buffer.concat(data).toString("utf8") : Buffer.from(data as ArrayBuffer).toString("utf8");

const bytesOf = (data: RawData): Uint8Array =>
  Array.isArray(data) ? Buffer.concat(data) : data instanceof ArrayBuffer ? new Uint8Array(data) : data;

const sameSecret = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** What one gateway shares with all its connections. */
export interface ConnectionScope<S extends object> {
  readonly options: ResolvedOptions<S>;
  readonly log: FastifyBaseLogger;
  readonly registry: SessionRegistry<S>;
  readonly persistence: Persistence | undefined;
}

/**
 * One connection's state. A class with two bound listeners rather than a dozen closures: it lives as long as the
 * socket, and idle sessions are the gateway's memory bill.
 */
class Connection<S extends object> {
  #session: Session<S> | undefined;
  #starting: Promise<void> | undefined;
  #early: ClientFrame[] | undefined;
  #helloTimer: NodeJS.Timeout | undefined;
  #rateErrorAt = Number.NEGATIVE_INFINITY;
  readonly #rate: RateLimiter;
  readonly #sink: SocketSink;

  constructor(
    private readonly socket: WebSocket,
    private readonly scope: ConnectionScope<S>,
    private readonly user: User | undefined,
  ) {
    this.#rate = new RateLimiter(scope.options.maxFramesPerSecond);
    this.#sink = new SocketSink(socket);
    this.#helloTimer = setTimeout(() => socket.close(1008, "no hello"), scope.options.helloTimeoutMs);
    socket.on("message", (data, isBinary) => this.#onMessage(data, isBinary));
    socket.on("close", (code) => this.#onClose(code));
  }

  #send(frame: ConnectionFrame): void {
    this.socket.send(JSON.stringify(frame));
  }

  #connectionError(code: ChatwireError["code"], message: string, replyTo?: string, field?: string): void {
    const frame: ServerFrameOf<"error"> = { seq: 0, type: "error", code, message };
    if (replyTo !== undefined) frame.replyTo = replyTo;
    if (field !== undefined) frame.field = field;
    this.#send(frame);
  }

  /** An error about a frame: a session frame once there is a session, a connection frame before. */
  #error(code: ChatwireError["code"], message: string, replyTo?: string, field?: string): void {
    if (this.#session === undefined) this.#connectionError(code, message, replyTo, field);
    else this.#session.emitError(code, message, replyTo, field);
  }

  #welcome(live: Session<S>, resumed: boolean, threadSecret?: string): void {
    const user = this.user;
    this.#send({
      seq: 0,
      type: "welcome",
      protocol: PROTOCOL_VERSION,
      sessionId: live.id,
      resumeToken: live.resumeToken,
      threadId: live.context.threadId,
      resumed,
      lastSeq: live.seq,
      ...(live.context.chatProfile === undefined ? {} : { chatProfile: live.context.chatProfile }),
      ...(threadSecret === undefined ? {} : { threadSecret }),
      ...(user === undefined ? {} : { user }),
    });
  }

  /**
   * Re-attaches a live session, or says why not (then the caller starts a new one). When the old session is still
   * ending, `ending` settles once it has run onChatEnd and flushed its writes: a thread reopened before that would
   * miss its last steps and store.
   */
  #resume(request: ResumeRequest): { live?: Session<S>; ending?: Promise<void> } {
    const target = this.scope.registry.get(request.sessionId);
    const refuse = (reason: ServerFrameOf<"resume_failed">["reason"], ending?: Promise<void>) => {
      this.#send({ seq: 0, type: "resume_failed", sessionId: request.sessionId, reason });
      return ending === undefined ? {} : { ending };
    };
    if (target === undefined) return refuse("expired");
    // The token is checked first: without it, nothing about the session is revealed.
    if (!sameSecret(target.resumeToken, request.resumeToken)) return refuse("forbidden");
    if (target.context.user?.identifier !== this.user?.identifier) return refuse("forbidden");
    if (!target.outbox.canResume(request.lastSeq)) return refuse("overflow", target.end("disconnect"));
    if (target.ended) return refuse("expired", target.end("disconnect"));
    target.outbox.sink?.close(4000, "replaced by a newer connection");
    this.#welcome(target, true);
    target.attach(this.#sink, request.lastSeq);
    return { live: target };
  }

  async #start(hello: Hello): Promise<void> {
    const { options, registry, persistence, log } = this.scope;
    const { socket, user } = this;
    if (hello.protocol !== PROTOCOL_VERSION) {
      this.#connectionError("PROTOCOL_VERSION", `this server speaks protocol ${PROTOCOL_VERSION}`);
      socket.close(1002, "protocol version");
      return;
    }
    const resumed = hello.resume === undefined ? {} : this.#resume(hello.resume);
    if (resumed.live !== undefined) {
      this.#session = resumed.live;
      return;
    }
    await resumed.ending;
    if (user !== undefined && !(await this.#makeRoom(user.identifier))) {
      this.#connectionError("TOO_MANY_SESSIONS", `a user may hold ${options.maxSessionsPerUser} sessions at once`);
      socket.close(4429, "too many sessions");
      return;
    }
    let reserved = user !== undefined;
    try {
      const thread =
        hello.thread === undefined || persistence === undefined
          ? undefined
          : await loadOwnedThread(persistence.layer, hello.thread, user);
      if (hello.thread !== undefined && thread === undefined) {
        // Missing and foreign threads get the same answer: existence is not revealed.
        this.#connectionError("THREAD_NOT_FOUND", "no such thread (or not yours); a new conversation starts");
      }
      if (socket.readyState !== socket.OPEN) return;
      const threadId = thread?.id ?? nanoid();
      const linked = persistence === undefined ? undefined : linkThread(persistence, threadId, user, thread, log);
      const live = new Session<S>({
        user,
        hooks: options.hooks,
        limits: options,
        log,
        chatProfile: hello.chatProfile,
        initialState: options.initialState,
        threadId,
        restoredState: thread === undefined ? undefined : (restoredState(thread) as Partial<S> | undefined),
        link: linked?.link,
        registry,
      });
      this.#session = live;
      registry.add(live, reserved);
      reserved = false;
      this.#welcome(live, false, linked?.secret);
      live.attach(this.#sink, 0);
      const { onChatStart, onChatResume } = options.hooks;
      if (thread !== undefined) {
        live.emit({
          type: "thread_history",
          threadId,
          steps: [...thread.steps],
          ...(thread.name ? { name: thread.name } : {}),
        });
        if (onChatResume !== undefined) live.runTask("onChatResume", undefined, (ctx) => onChatResume(ctx, thread));
      } else if (onChatStart !== undefined) {
        live.runTask("onChatStart", undefined, (ctx) => onChatStart(ctx));
      }
    } finally {
      if (reserved && user !== undefined) registry.release(user.identifier);
    }
  }

  /**
   * Reserves a place for one more session of the user. At the limit, the user's oldest session that has lost its
   * connection is ended to make room: reloading a page a few times must not lock its user out for the grace period.
   */
  async #makeRoom(identifier: string): Promise<boolean> {
    const { registry, options } = this.scope;
    for (;;) {
      if (registry.reserve(identifier, options.maxSessionsPerUser)) return true;
      const victim = registry.oldestDetached(identifier);
      if (victim === undefined) return false;
      await victim.end("disconnect");
    }
  }

  /** Starts the session, holding the frames that arrive meanwhile and dispatching them after, in order. */
  #begin(hello: Hello): void {
    clearTimeout(this.#helloTimer);
    this.#helloTimer = undefined;
    this.#early = [];
    this.#starting = this.#start(hello)
      .catch((error: unknown) => {
        this.scope.log.error({ err: error }, "session start failed");
        this.#connectionError("PERSISTENCE_FAILED", "the conversation could not be opened");
        this.socket.close(1011, "start failed");
      })
      .finally(() => {
        this.#starting = undefined;
        const early = this.#early ?? [];
        this.#early = undefined;
        const started = this.#session;
        if (started !== undefined) for (const frame of early) dispatch(started, frame);
      });
  }

  #reportError(error: unknown): void {
    const e = error as ChatwireError;
    const [replyTo, field] = error instanceof FrameError ? [error.replyTo, error.field] : [];
    this.#error(e.code, e.message, replyTo, field);
  }

  #onMessage(data: RawData, isBinary: boolean): void {
    const { options } = this.scope;
    if (!this.#rate.take()) {
      // One error a second at most: answering every dropped frame would let a flood double itself.
      const now = performance.now();
      if (now - this.#rateErrorAt > 1000) {
        this.#rateErrorAt = now;
        this.#error(
          "RATE_LIMITED",
          `more than ${options.maxFramesPerSecond} frames a second: frames are being dropped`,
        );
      }
      return;
    }
    const session = this.#session;
    if (isBinary) {
      if (session === undefined) this.#connectionError("HELLO_REQUIRED", "send hello first");
      else {
        try {
          dispatchAudioChunk(session, decodeAudioChunk(bytesOf(data)));
        } catch (error) {
          this.#reportError(error);
        }
      }
      return;
    }
    const text = textOf(data);
    // UTF-8 takes at most 3 bytes per UTF-16 unit: count bytes only when the length alone cannot decide.
    const max = options.maxFrameBytes;
    if (text.length > max || (text.length * 3 > max && Buffer.byteLength(text) > max)) {
      this.#error("FRAME_TOO_LARGE", `text frames are limited to ${options.maxFrameBytes} bytes`);
      return;
    }
    let frame: ReturnType<typeof parseClientFrame>;
    try {
      frame = parseClientFrame(text);
    } catch (error) {
      this.#reportError(error);
      return;
    }
    if (this.#starting !== undefined) {
      const early = this.#early ?? [];
      if (early.push(frame) > MAX_EARLY_FRAMES) {
        early.pop();
        this.#connectionError("QUEUE_FULL", "too many frames before the session started");
      }
    } else if (session !== undefined) dispatch(session, frame);
    else if (frame.type === "hello") this.#begin(frame);
    else this.#connectionError("HELLO_REQUIRED", "send hello first");
  }

  #onClose(code: number): void {
    clearTimeout(this.#helloTimer);
    this.#helloTimer = undefined;
    const closing = this.#session;
    // A session that another connection has taken over is not this socket's to end.
    if (closing === undefined || closing.outbox.sink !== this.#sink) return;
    if (code === CLIENT_DONE) void closing.end("disconnect");
    else closing.detach();
  }
}

/** Serves one socket, for `user` (undefined: anonymous), until it closes. */
export function serveConnection<S extends object>(
  socket: WebSocket,
  scope: ConnectionScope<S>,
  user: User | undefined,
): void {
  new Connection(socket, scope, user);
}
