// One WebSocket, from `hello` to close: the handshake (new session or resume), then frames go to dispatch.
import { timingSafeEqual } from "node:crypto";
import type { Socket } from "node:net";
import type { FastifyBaseLogger } from "fastify";
import { nanoid } from "nanoid";
import type { RawData, WebSocket } from "ws";
import type { ChatwireError } from "../errors.ts";
import { decodeAudioChunk } from "../protocol/binary.ts";
import { FrameError, parseClientFrame } from "../protocol/check.ts";
import { type ClientFrame, type Hello, PROTOCOL_VERSION, type ResumeRequest } from "../protocol/client.ts";
import type { ServerFrameOf } from "../protocol/server.ts";
import type { User } from "../protocol/views.ts";
import type { FrameSink } from "../session/outbox.ts";
import { Session } from "../session/session.ts";
import { dispatch, dispatchAudioChunk } from "./dispatch.ts";
import type { ResolvedOptions } from "./options.ts";
import { linkThread, loadOwnedThread, type Persistence, restoredStore } from "./persistence.ts";
import { RateLimiter } from "./rate.ts";
import type { SessionRegistry } from "./registry.ts";

/** Close code the client sends to say it is done with the session (no resume will follow). */
const CLIENT_DONE = 1000;

type ConnectionFrame = ServerFrameOf<"welcome"> | ServerFrameOf<"resume_failed"> | ServerFrameOf<"error">;

const sendConnectionFrame = (socket: WebSocket, frame: ConnectionFrame) => socket.send(JSON.stringify(frame));

const textOf = (data: RawData): string =>
  Array.isArray(data) ? Buffer.concat(data).toString("utf8") : Buffer.from(data as ArrayBuffer).toString("utf8");

const bytesOf = (data: RawData): Uint8Array =>
  Array.isArray(data) ? Buffer.concat(data) : data instanceof ArrayBuffer ? new Uint8Array(data) : data;

const sameSecret = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

const CORK_BYTES = 16 * 1024;

/**
 * A ws socket as the outbox sees it. Writes of one burst of work (everything up to the next tick) are corked into
 * a single writev: a turn's task_start, message and task_end cost one syscall, not three. A burst that never yields
 * to the event loop (a handler awaiting already-resolved sends in a loop) is written out every CORK_BYTES, so the
 * first of many tokens leaves at once rather than when the burst ends.
 */
function sinkOf(socket: WebSocket): FrameSink {
  const raw = (socket as unknown as { _socket?: Socket })._socket;
  let corked = false;
  const uncork = () => {
    corked = false;
    raw?.uncork();
  };
  return {
    get bufferedAmount() {
      return socket.bufferedAmount;
    },
    send: (text) => {
      if (socket.readyState !== socket.OPEN) return;
      if (raw !== undefined && !corked) {
        corked = true;
        raw.cork();
        process.nextTick(uncork);
      }
      socket.send(text);
      if (corked && (raw as Socket).writableLength >= CORK_BYTES) uncork();
    },
    onDrain: (listener) => {
      if (raw === undefined) setImmediate(listener);
      else raw.once("drain", listener);
    },
    close: (code, reason) => {
      socket.close(code, reason);
      // A client that stopped reading will never answer the close handshake: do not wait 30 s for it.
      setTimeout(() => socket.terminate(), 1000).unref();
    },
  };
}

/** Frames a client may send while its hello is still being answered (a stored thread is loading). */
const MAX_EARLY_FRAMES = 64;

/** Serves one socket, for `user` (undefined: anonymous), until it closes. */
export function serveConnection<S extends object>(
  socket: WebSocket,
  options: ResolvedOptions<S>,
  log: FastifyBaseLogger,
  registry: SessionRegistry<S>,
  user: User | undefined,
  persistence: Persistence | undefined,
): void {
  let session: Session<S> | undefined;
  let starting: Promise<void> | undefined;
  const early: ClientFrame[] = [];
  const rate = new RateLimiter(options.maxFramesPerSecond);
  let rateErrorAt = Number.NEGATIVE_INFINITY;
  const sink = sinkOf(socket);
  const helloTimer = setTimeout(() => socket.close(1008, "no hello"), options.helloTimeoutMs);
  const connectionError = (code: ChatwireError["code"], message: string, replyTo?: string, field?: string) => {
    const frame: ServerFrameOf<"error"> = { seq: 0, type: "error", code, message };
    if (replyTo !== undefined) frame.replyTo = replyTo;
    if (field !== undefined) frame.field = field;
    sendConnectionFrame(socket, frame);
  };

  const welcome = (live: Session<S>, resumed: boolean, threadSecret?: string) =>
    sendConnectionFrame(socket, {
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

  /**
   * Re-attaches a live session, or says why not (then the caller starts a new one). When the old session is still
   * ending, `ending` settles once it has run onChatEnd and flushed its writes: a thread reopened before that would
   * miss its last steps and store.
   */
  const resume = (request: ResumeRequest): { live?: Session<S>; ending?: Promise<void> } => {
    const target = registry.get(request.sessionId);
    const refuse = (reason: ServerFrameOf<"resume_failed">["reason"], ending?: Promise<void>) => {
      sendConnectionFrame(socket, { seq: 0, type: "resume_failed", sessionId: request.sessionId, reason });
      return ending === undefined ? {} : { ending };
    };
    if (target === undefined) return refuse("expired");
    // The token is checked first: without it, nothing about the session is revealed.
    if (!sameSecret(target.resumeToken, request.resumeToken)) return refuse("forbidden");
    if (target.context.user?.identifier !== user?.identifier) return refuse("forbidden");
    if (!target.outbox.canResume(request.lastSeq)) return refuse("overflow", target.end("disconnect"));
    if (target.ended) return refuse("expired", target.end("disconnect"));
    target.outbox.sink?.close(4000, "replaced by a newer connection");
    welcome(target, true);
    target.attach(sink, request.lastSeq);
    return { live: target };
  };

  const start = async (hello: Hello) => {
    clearTimeout(helloTimer);
    if (hello.protocol !== PROTOCOL_VERSION) {
      connectionError("PROTOCOL_VERSION", `this server speaks protocol ${PROTOCOL_VERSION}`);
      socket.close(1002, "protocol version");
      return;
    }
    const resumed = hello.resume === undefined ? {} : resume(hello.resume);
    if (resumed.live !== undefined) {
      session = resumed.live;
      return;
    }
    await resumed.ending;
    if (user !== undefined && registry.countFor(user.identifier) >= options.maxSessionsPerUser) {
      connectionError("TOO_MANY_SESSIONS", `a user may hold ${options.maxSessionsPerUser} sessions at once`);
      socket.close(4429, "too many sessions");
      return;
    }
    const thread =
      hello.thread === undefined || persistence === undefined
        ? undefined
        : await loadOwnedThread(persistence.layer, hello.thread, user);
    if (hello.thread !== undefined && thread === undefined) {
      // Missing and foreign threads get the same answer: existence is not revealed.
      connectionError("THREAD_NOT_FOUND", "no such thread (or not yours); a new conversation starts");
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
      restoredState: thread === undefined ? undefined : (restoredStore(thread) as Partial<S> | undefined),
      link: linked?.link,
      onEnded: (ended) => registry.delete(ended),
    });
    session = live;
    registry.add(live);
    welcome(live, false, linked?.secret);
    live.attach(sink, 0);
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
  };

  /** Starts the session, holding the frames that arrive meanwhile and dispatching them after, in order. */
  const begin = (hello: Hello) => {
    starting = start(hello)
      .catch((error: unknown) => {
        log.error({ err: error }, "session start failed");
        connectionError("PERSISTENCE_FAILED", "the conversation could not be opened");
        socket.close(1011, "start failed");
      })
      .finally(() => {
        starting = undefined;
        const started = session;
        if (started !== undefined) for (const frame of early.splice(0)) dispatch(started, frame);
      });
  };

  const reportError = (error: unknown) => {
    const e = error as ChatwireError;
    const [replyTo, field] = error instanceof FrameError ? [error.replyTo, error.field] : [];
    if (session === undefined) connectionError(e.code, e.message, replyTo, field);
    else session.emitError(e.code, e.message, replyTo, field);
  };

  socket.on("message", (data, isBinary) => {
    if (!rate.take()) {
      // One error a second at most: answering every dropped frame would let a flood double itself.
      const now = performance.now();
      if (now - rateErrorAt > 1000) {
        rateErrorAt = now;
        const message = `more than ${options.maxFramesPerSecond} frames a second: frames are being dropped`;
        if (session === undefined) connectionError("RATE_LIMITED", message);
        else session.emitError("RATE_LIMITED", message);
      }
      return;
    }
    if (isBinary) {
      if (session === undefined) connectionError("HELLO_REQUIRED", "send hello first");
      else {
        try {
          dispatchAudioChunk(session, decodeAudioChunk(bytesOf(data)));
        } catch (error) {
          reportError(error);
        }
      }
      return;
    }
    const text = textOf(data);
    // UTF-8 takes at most 3 bytes per UTF-16 unit: count bytes only when the length alone cannot decide.
    const max = options.maxFrameBytes;
    if (text.length > max || (text.length * 3 > max && Buffer.byteLength(text) > max)) {
      const message = `text frames are limited to ${options.maxFrameBytes} bytes`;
      if (session === undefined) connectionError("FRAME_TOO_LARGE", message);
      else session.emitError("FRAME_TOO_LARGE", message);
      return;
    }
    let frame: ReturnType<typeof parseClientFrame>;
    try {
      frame = parseClientFrame(text);
    } catch (error) {
      reportError(error);
      return;
    }
    if (starting !== undefined) {
      if (early.push(frame) > MAX_EARLY_FRAMES) {
        early.pop();
        connectionError("QUEUE_FULL", "too many frames before the session started");
      }
    } else if (session !== undefined) dispatch(session, frame);
    else if (frame.type === "hello") begin(frame);
    else connectionError("HELLO_REQUIRED", "send hello first");
  });

  socket.on("close", (code) => {
    clearTimeout(helloTimer);
    const closing = session;
    // A session that another connection has taken over is not this socket's to end.
    if (closing === undefined || closing.outbox.sink !== sink) return;
    if (code === CLIENT_DONE) void closing.end("disconnect");
    else closing.detach();
  });
}
