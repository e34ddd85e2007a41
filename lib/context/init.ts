// What a context is built from: the session's parts that outlive one handler call. A socket or a test backs it.
import type { OutgoingFrame } from "../protocol/server.ts";
import type { User } from "../protocol/views.ts";
import type { ActionBook } from "./actions.ts";
import type { AskBook } from "./asks.ts";
import type { Logger } from "./logger.ts";
import type { SessionStore } from "./store.ts";
import type { ThreadWriter } from "./thread.ts";

/** The session-lived parts a ChatContext is built from. */
export interface ContextInit<S extends object> {
  readonly sessionId: string;
  readonly threadId: string;
  readonly user?: User | undefined;
  readonly chatProfile?: string | undefined;
  readonly store: SessionStore<S>;
  readonly log: Logger;
  /** Sends one frame to the client (the session stamps `seq`). Resolves when it is queued for the socket. */
  emit(frame: OutgoingFrame): void | Promise<void>;
  /** `authorRename`, if the app registered one. */
  readonly renameAuthor?: ((author: string) => string | Promise<string>) | undefined;
  readonly asks: AskBook;
  readonly actions: ActionBook;
  /** New ids for messages, steps, actions and asks. */
  newId(): string;
  /** The clock for `createdAt`, `start` and `end`. */
  now(): Date;
  /** Default ask timeout in ms. */
  readonly askTimeoutMs: number;
  /** Where `ctx.thread` changes go: the session's thread link when persistence is on. */
  readonly thread?: ThreadWriter | undefined;
}
