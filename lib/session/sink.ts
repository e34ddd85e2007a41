// Frames out: where a session's frames go while a client is connected. The gateway's SocketSink writes them to a
// WebSocket; an adapter for another wire reads each as a ServerFrame and translates it; a test keeps them.

/**
 * A connected client, as a session's outbox sees it. A ws WebSocket fits as it is.
 * @example session.attach({ bufferedAmount: 0, send: (text) => frames.push(JSON.parse(text)), onDrain: setImmediate, close() {} }, 0);
 */
export interface FrameSink {
  /** Bytes written but not yet sent; above the session's `highWaterBytes` the outbox holds frames back. */
  readonly bufferedAmount: number;
  /** One frame: the JSON text of a ServerFrame, `{"seq":n,"type":…}` (seq 0 for the connection-level `shutdown`). */
  send(text: string): void;
  /** One binary frame (output audio, lib/protocol/binary.ts): not numbered, not replayed. A sink without it cannot
   * play audio: chunks are dropped with an `audio_dropped` notice. */
  sendBinary?(bytes: Uint8Array): void;
  /** Calls `listener` once, when the write buffer has drained. */
  onDrain(listener: () => void): void;
  /** Ends the client's connection with a WebSocket close code (below); an adapter for another wire maps it. */
  close(code: number, reason: string): void;
}

/** Close code for a connection that a newer one (a resume) has replaced. */
export const REPLACED = 4000;
/** Close code for a client that does not read fast enough. */
export const SLOW_CONSUMER = 4008;
/** Close code for a server going away (after the `shutdown` frame): reconnect elsewhere. */
export const GOING_AWAY = 1001;
