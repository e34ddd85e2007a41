// One WebSocket, from `hello` to close: the handshake, then every frame goes to dispatch through its session.
import type { FastifyBaseLogger } from "fastify";
import type { RawData, WebSocket } from "ws";
import type { ChatwireError } from "../errors.ts";
import { decodeAudioChunk } from "../protocol/binary.ts";
import { FrameError, parseClientFrame } from "../protocol/check.ts";
import { type Hello, PROTOCOL_VERSION } from "../protocol/client.ts";
import { Session } from "../session/session.ts";
import { dispatch, dispatchAudioChunk } from "./dispatch.ts";
import type { ResolvedOptions } from "./options.ts";

/** Sends an error frame on a socket that has no session yet (seq 0: before the session's numbering starts). */
const preSessionError = (socket: WebSocket, code: string, message: string) =>
  socket.send(JSON.stringify({ seq: 0, type: "error", code, message }));

const textOf = (data: RawData): string =>
  Array.isArray(data) ? Buffer.concat(data).toString("utf8") : Buffer.from(data as ArrayBuffer).toString("utf8");

const bytesOf = (data: RawData): Uint8Array =>
  Array.isArray(data) ? Buffer.concat(data) : data instanceof ArrayBuffer ? new Uint8Array(data) : data;

/** Serves one socket. `sessions` is the gateway's set of live sessions (for shutdown). */
export function serveConnection<S extends object>(
  socket: WebSocket,
  options: ResolvedOptions<S>,
  log: FastifyBaseLogger,
  sessions: Map<Session<S>, WebSocket>,
): void {
  let session: Session<S> | undefined;
  const helloTimer = setTimeout(() => socket.close(1008, "no hello"), options.helloTimeoutMs);

  const write = (text: string) => {
    if (socket.readyState === socket.OPEN) socket.send(text);
  };

  const start = (hello: Hello) => {
    clearTimeout(helloTimer);
    if (hello.protocol !== PROTOCOL_VERSION) {
      preSessionError(socket, "PROTOCOL_VERSION", `this server speaks protocol ${PROTOCOL_VERSION}`);
      socket.close(1002, "protocol version");
      return;
    }
    const live = new Session<S>({
      hooks: options.hooks,
      limits: options,
      log,
      write,
      chatProfile: hello.chatProfile,
      initialState: options.initialState,
    });
    session = live;
    sessions.set(live, socket);
    live.emit({
      type: "welcome",
      protocol: PROTOCOL_VERSION,
      sessionId: live.id,
      threadId: live.context.threadId,
      ...(hello.chatProfile === undefined ? {} : { chatProfile: hello.chatProfile }),
    });
    const onChatStart = options.hooks.onChatStart;
    if (onChatStart !== undefined) live.runTask("onChatStart", undefined, (ctx) => onChatStart(ctx));
  };

  socket.on("message", (data, isBinary) => {
    if (isBinary) {
      onBinary(data);
      return;
    }
    const text = textOf(data);
    if (text.length > options.maxFrameBytes && Buffer.byteLength(text) > options.maxFrameBytes) {
      const message = `text frames are limited to ${options.maxFrameBytes} bytes`;
      if (session === undefined) preSessionError(socket, "FRAME_TOO_LARGE", message);
      else session.emitError("FRAME_TOO_LARGE", message);
      return;
    }
    let frame: ReturnType<typeof parseClientFrame>;
    try {
      frame = parseClientFrame(text);
    } catch (error) {
      const e = error as ChatwireError;
      if (session === undefined) preSessionError(socket, e.code, e.message);
      else if (error instanceof FrameError) session.emitError(e.code, e.message, error.replyTo, error.field);
      else session.emitError(e.code, e.message);
      return;
    }
    if (session !== undefined) dispatch(session, frame);
    else if (frame.type === "hello") start(frame);
    else preSessionError(socket, "HELLO_REQUIRED", "send hello first");
  });

  const onBinary = (data: RawData) => {
    if (session === undefined) {
      preSessionError(socket, "HELLO_REQUIRED", "send hello first");
      return;
    }
    try {
      dispatchAudioChunk(session, decodeAudioChunk(bytesOf(data)));
    } catch (error) {
      const e = error as ChatwireError;
      session.emitError(e.code, e.message);
    }
  };

  socket.on("close", () => {
    clearTimeout(helloTimer);
    const ended = session;
    if (ended === undefined) return;
    void ended.end("disconnect").finally(() => sessions.delete(ended));
  });
}
