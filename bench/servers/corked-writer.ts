// The batched floor's writes, done the way chatwire's SocketSink (lib/gateway/socket-sink.ts) and Outbox
// (lib/session/outbox.ts) do them: the socket is corked at the first frame of a tick and uncorked on
// process.nextTick, or as soon as 16 KiB are waiting, so a turn's frames leave in the same number of writev calls as
// chatwire's. A stream waits for `drain` once 1 MiB is buffered (chatwire's highWaterBytes default).
import type { Socket } from "node:net";
import type { WebSocket } from "ws";

/** chatwire's CORK_BYTES (lib/gateway/socket-sink.ts). */
const CORK_BYTES = 16 * 1024;
/** chatwire's default highWaterBytes (lib/gateway/options.ts): above it a sender waits for the socket to drain. */
export const HIGH_WATER_BYTES = 1024 * 1024;

/** One connection's writer. */
export class CorkedWriter {
  readonly #socket: WebSocket;
  readonly #raw: Socket;
  #corked = false;

  constructor(socket: WebSocket) {
    this.#socket = socket;
    this.#raw = (socket as unknown as { _socket: Socket })._socket;
  }

  /** Sends a text frame, or a binary one for bytes. */
  send(data: string | Uint8Array): void {
    if (!this.#corked) {
      this.#corked = true;
      this.#raw.cork();
      process.nextTick(uncork, this);
    }
    this.#socket.send(data, { binary: typeof data !== "string" });
    if (this.#raw.writableLength >= CORK_BYTES) this.uncork();
  }

  uncork(): void {
    if (!this.#corked) return;
    this.#corked = false;
    this.#raw.uncork();
  }

  /** Undefined while the socket keeps up; else a promise of its next `drain` (or close). */
  behind(): Promise<void> | undefined {
    if (this.#socket.bufferedAmount < HIGH_WATER_BYTES) return undefined;
    return new Promise((resolve) => {
      const done = () => {
        this.#raw.off("drain", done);
        this.#raw.off("close", done);
        resolve();
      };
      this.#raw.once("drain", done);
      this.#raw.once("close", done);
    });
  }
}

const uncork = (writer: CorkedWriter) => writer.uncork();
