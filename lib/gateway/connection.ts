// One WebSocket, from `hello` to close: bytes in, limited (rate, size), parsed and validated into frames; the
// handshake (handshake.ts); then each frame goes to the session as a command, knowing nothing of what it means.
import type { RawData, WebSocket } from "ws";
import type { TokenGrant } from "../auth/tokens.ts";
import type { ChatwireError, ErrorCode } from "../errors.ts";
import { decodeAudioChunk } from "../protocol/binary.ts";
import { FrameError, parseClientFrame } from "../protocol/check.ts";
import type { ClientFrame, Hello } from "../protocol/client.ts";
import type { User } from "../protocol/views.ts";
import type { SessionCommand } from "../session/commands.ts";
import {
  type ConnectionFrame,
  type ConnectionScope,
  type HandshakeConnection,
  handshake,
  type SessionPort,
} from "./handshake.ts";
import type { TokenBound } from "./live-tokens.ts";
import { RateLimiter } from "./rate.ts";
import { SocketSink } from "./socket-sink.ts";

/** Close code the client sends to say it is done with the session (no resume will follow). */
const CLIENT_DONE = 1000;

/** Frames a client may send while its hello is still being answered (a stored thread is loading). */
const MAX_EARLY_FRAMES = 64;

// ws hands text frames over as a Buffer: decoded in place (Buffer.from of a Buffer would copy it first).
const textOf = (data: RawData): string =>
  Buffer.isBuffer(data)
    ? data.toString("utf8")
    : Array.isArray(data)
      ? Buffer.concat(data).toString("utf8")
      : Buffer.from(data).toString("utf8");

const ACK_PREFIX = '{"type":"ack","seq":';

/**
 * The seq of an ack written exactly as clients write it (`{"type":"ack","seq":N}`, N a JSON integer of at most 15
 * digits), read without JSON.parse and the schema check; undefined for any other text, which takes the full path.
 * Every text this accepts, the full path accepts as the same frame: one frame in a hundred is an ack.
 */
export function plainAck(text: string): number | undefined {
  const end = text.length - 1;
  const digits = end - ACK_PREFIX.length;
  if (digits < 1 || digits > 15 || text.charCodeAt(end) !== 0x7d || !text.startsWith(ACK_PREFIX)) return undefined;
  let seq = 0;
  for (let i = ACK_PREFIX.length; i < end; i++) {
    const digit = text.charCodeAt(i) - 0x30;
    if (digit < 0 || digit > 9 || (digit === 0 && seq === 0 && digits > 1)) return undefined;
    seq = seq * 10 + digit;
  }
  return seq;
}

const bytesOf = (data: RawData): Uint8Array =>
  Array.isArray(data) ? Buffer.concat(data) : data instanceof ArrayBuffer ? new Uint8Array(data) : data;

/** The command a validated frame carries: itself, but audio as bytes. `hello` again is the client's mistake. */
function commandOf(frame: Exclude<ClientFrame, Hello>): SessionCommand {
  if (frame.type !== "audio_chunk") return frame;
  return { type: "audio_chunk", elapsedTime: frame.elapsedTime, data: Buffer.from(frame.data, "base64") };
}

/**
 * One connection's state. A class with two bound listeners rather than a dozen closures: it lives as long as the
 * socket, and idle sessions are the gateway's memory bill.
 */
class Connection<S extends object> implements HandshakeConnection, TokenBound {
  /** The session token's grant when the user logged in with one: its expiry, and its id for a logout. */
  #grant: TokenGrant | undefined;
  /** Closed by the server because its token no longer holds: the session ends with the socket. */
  #revoked = false;
  #session: SessionPort | undefined;
  #starting: Promise<void> | undefined;
  #early: ClientFrame[] | undefined;
  #helloTimer: NodeJS.Timeout | undefined;
  #rateErrorAt = Number.NEGATIVE_INFINITY;
  readonly #rate: RateLimiter;
  readonly sink: SocketSink;

  private readonly socket: WebSocket;
  private readonly scope: ConnectionScope<S>;
  readonly user: User | undefined;

  constructor(socket: WebSocket, scope: ConnectionScope<S>, user: User | undefined, grant: TokenGrant | undefined) {
    this.socket = socket;
    this.scope = scope;
    this.user = user;
    this.#grant = grant;
    if (grant?.tokenId !== undefined) scope.liveTokens?.add(grant.tokenId, this);
    this.#rate = new RateLimiter(scope.options.maxFramesPerSecond);
    this.sink = new SocketSink(socket);
    this.#helloTimer = setTimeout(() => this.sink.close(1008, "no hello"), scope.options.helloTimeoutMs);
    socket.on("message", (data, isBinary) => this.#onMessage(data, isBinary));
    socket.on("close", (code) => this.#onClose(code));
  }

  get open(): boolean {
    return this.socket.readyState === this.socket.OPEN;
  }

  send(frame: ConnectionFrame): void {
    this.socket.send(JSON.stringify(frame));
  }

  close(code: number, reason: string): void {
    this.sink.close(code, reason);
  }

  error(code: ErrorCode, message: string, replyTo?: string, field?: string): void {
    const frame: ConnectionFrame = { seq: 0, type: "error", code, message };
    if (replyTo !== undefined) frame.replyTo = replyTo;
    if (field !== undefined) frame.field = field;
    this.send(frame);
  }

  /** An error about what the client sent: a session frame once there is a session, a connection frame before. */
  #refuse(code: ErrorCode, message: string, replyTo?: string, field?: string): void {
    if (this.#session === undefined) this.error(code, message, replyTo, field);
    else this.#session.reportError(code, message, replyTo, field);
  }

  #refuseError(error: unknown): void {
    const e = error as ChatwireError;
    const [replyTo, field] = error instanceof FrameError ? [error.replyTo, error.field] : [];
    this.#refuse(e.code, e.message, replyTo, field);
  }

  /** Hands a frame to the session. After the handshake, `hello` is the one frame the connection answers itself. */
  #deliver(session: SessionPort, frame: ClientFrame): void {
    if (frame.type === "hello") session.reportError("ALREADY_HELLO", "hello was already received on this connection");
    else session.receive(commandOf(frame));
  }

  /** Answers the hello, holding the frames that arrive meanwhile and delivering them after, in order. */
  #begin(hello: Hello): void {
    clearTimeout(this.#helloTimer);
    this.#helloTimer = undefined;
    this.#early = [];
    this.#starting = handshake(hello, this, this.scope)
      .then((session) => {
        this.#session = session;
        // The socket closed while the hello was answered (a relayed resume waits on another node): its close found
        // no session to let go, so it is let go now, or it would stay attached to a dead socket.
        if (!this.open) session?.disconnect(this.sink, false);
      })
      .catch((error: unknown) => {
        this.scope.log.error({ err: error }, "session start failed");
        this.error("PERSISTENCE_FAILED", "the conversation could not be opened");
        this.sink.close(1011, "start failed");
      })
      .finally(() => {
        this.#starting = undefined;
        const early = this.#early ?? [];
        this.#early = undefined;
        const started = this.#session;
        if (started !== undefined) for (const frame of early) this.#deliver(started, frame);
      });
  }

  /** The token this socket was opened with was revoked or expired: tell the client, close 4401, end the session. */
  revoke(): void {
    if (this.#revoked) return;
    this.#revoked = true;
    this.error("UNAUTHENTICATED", "the session token was revoked or expired: log in again");
    this.sink.close(4401, "unauthenticated");
  }

  #onMessage(data: RawData, isBinary: boolean): void {
    if (this.#revoked) return;
    // An expired token takes effect at the next frame: nothing more of this socket reaches the session.
    const expiresAt = this.#grant?.expiresAt;
    if (expiresAt !== undefined && Date.now() >= expiresAt * 1000) {
      this.revoke();
      return;
    }
    const { options } = this.scope;
    if (!this.#rate.take()) {
      // One error a second at most: answering every dropped frame would let a flood double itself.
      const now = performance.now();
      if (now - this.#rateErrorAt > 1000) {
        this.#rateErrorAt = now;
        this.#refuse(
          "RATE_LIMITED",
          `more than ${options.maxFramesPerSecond} frames a second: frames are being dropped`,
        );
      }
      return;
    }
    const session = this.#session;
    if (isBinary) {
      if (session === undefined) this.error("HELLO_REQUIRED", "send hello first");
      else {
        try {
          session.receive({ type: "audio_chunk", ...decodeAudioChunk(bytesOf(data)) });
        } catch (error) {
          this.#refuseError(error);
        }
      }
      return;
    }
    const text = textOf(data);
    // UTF-8 takes at most 3 bytes per UTF-16 unit: count bytes only when the length alone cannot decide.
    const max = options.maxFrameBytes;
    if (text.length > max || (text.length * 3 > max && Buffer.byteLength(text) > max)) {
      this.#refuse("FRAME_TOO_LARGE", `text frames are limited to ${options.maxFrameBytes} bytes`);
      return;
    }
    if (session !== undefined && this.#starting === undefined) {
      const seq = plainAck(text);
      if (seq !== undefined) {
        session.receive({ type: "ack", seq });
        return;
      }
    }
    let frame: ClientFrame;
    try {
      frame = parseClientFrame(text);
    } catch (error) {
      this.#refuseError(error);
      return;
    }
    if (this.#starting !== undefined) {
      const early = this.#early ?? [];
      if (early.push(frame) > MAX_EARLY_FRAMES) {
        early.pop();
        this.error("QUEUE_FULL", "too many frames before the session started");
      }
    } else if (session !== undefined) this.#deliver(session, frame);
    else if (frame.type === "hello") this.#begin(frame);
    else this.error("HELLO_REQUIRED", "send hello first");
  }

  #onClose(code: number): void {
    clearTimeout(this.#helloTimer);
    this.#helloTimer = undefined;
    const tokenId = this.#grant?.tokenId;
    if (tokenId !== undefined) this.scope.liveTokens?.delete(tokenId, this);
    this.#session?.disconnect(this.sink, code === CLIENT_DONE || this.#revoked);
  }
}

/** Serves one socket, for `user` (undefined: anonymous), until it closes. */
export function serveConnection<S extends object>(
  socket: WebSocket,
  scope: ConnectionScope<S>,
  user: User | undefined,
  grant?: TokenGrant,
): void {
  new Connection(socket, scope, user, grant);
}
