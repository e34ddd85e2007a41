// What `connect` takes: where the routes are, who the user is, how the connection behaves.
import type { ThreadRequest } from "../protocol/index.ts";
import type { ReconnectOptions } from "./connection.ts";
import type { SocketConstructor } from "./socket.ts";

/** Options of `connect`. */
export interface ConnectOptions {
  /** A session token sent as `Authorization: Bearer …` (outside browsers; browsers send the login's cookie). */
  readonly token?: string | undefined;
  /** Headers for the WebSocket upgrade and the HTTP routes (outside browsers, which cannot set them). */
  readonly headers?: Record<string, string> | undefined;
  /** Becomes `ctx.chatProfile`. */
  readonly chatProfile?: string | undefined;
  /** Reopen this stored thread instead of starting a new conversation. */
  readonly thread?: ThreadRequest | undefined;
  /** View this share (a `shareId`) read-only and live instead: the thread's history, then its turns as they run
   * (docs/sharing.md). Sending is refused with VIEW_ONLY. */
  readonly view?: string | undefined;
  /** Where the HTTP routes are (default: the gateway URL without its last segment, over http(s)). */
  readonly api?: string | undefined;
  readonly reconnect?: ReconnectOptions | undefined;
  /** Acknowledge after this many session frames (default 100) or `ackDelayMs` (default 1000), whichever first. */
  readonly ackEvery?: number | undefined;
  readonly ackDelayMs?: number | undefined;
  /** The WebSocket class to use (default: the global one, else the `ws` package). */
  readonly WebSocket?: SocketConstructor | undefined;
  /** The fetch for the HTTP routes (default: the global one). */
  readonly fetch?: typeof fetch | undefined;
}
