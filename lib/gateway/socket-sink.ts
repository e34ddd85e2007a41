// A ws socket as a session's outbox sees it: corked bursts, drain events, and a close that does not wait for ever.
import type { Socket } from "node:net";
import type { WebSocket } from "ws";
import type { FrameSink } from "../session/sink.ts";

const CORK_BYTES = 16 * 1024;

/**
 * Writes of one burst of work (everything up to the next tick) are corked into a single writev: a turn's
 * task_start, message and task_end cost one syscall, not three. A burst that never yields to the event loop (a
 * handler awaiting already-resolved sends in a loop) is written out every CORK_BYTES, so the first of many tokens
 * leaves at once rather than when the burst ends. A class, not closures: one lives as long as each connection.
 */
export class SocketSink implements FrameSink {
  readonly #socket: WebSocket;
  readonly #raw: Socket | undefined;
  #corked = false;

  constructor(socket: WebSocket) {
    this.#socket = socket;
    this.#raw = (socket as unknown as { _socket?: Socket })._socket;
  }

  get bufferedAmount(): number {
    return this.#socket.bufferedAmount;
  }

  send(text: string): void {
    this.#write(text);
  }

  sendBinary(bytes: Uint8Array): void {
    this.#write(bytes);
  }

  #write(data: string | Uint8Array): void {
    const socket = this.#socket;
    if (socket.readyState !== socket.OPEN) return;
    const raw = this.#raw;
    if (raw !== undefined && !this.#corked) {
      this.#corked = true;
      raw.cork();
      process.nextTick(uncork, this);
    }
    socket.send(data);
    if (this.#corked && (raw as Socket).writableLength >= CORK_BYTES) this.uncork();
  }

  uncork(): void {
    if (!this.#corked) return;
    this.#corked = false;
    this.#raw?.uncork();
  }

  onDrain(listener: () => void): void {
    if (this.#raw === undefined) setImmediate(listener);
    else this.#raw.once("drain", listener);
  }

  close(code: number, reason: string): void {
    closeSocket(this.#socket, code, reason);
  }
}

/** Closes `socket` with `code`; a client that stopped reading (or never speaks WebSocket, or sent half a frame) will
 * never answer the close handshake, so the socket is torn down after 1 s rather than ws's 30 s. */
export function closeSocket(socket: WebSocket, code: number, reason: string): void {
  socket.close(code, reason);
  setTimeout(() => socket.terminate(), 1000).unref();
}

const uncork = (sink: SocketSink) => sink.uncork();
