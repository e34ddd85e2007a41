// What a context is built from: the session's parts that outlive one handler call. A session or a test backs it.
import type { Action } from "../hooks/payloads.ts";
import type { Logger } from "../logger.ts";
import type { OutgoingFrame } from "../protocol/server.ts";
import type { User } from "../protocol/views.ts";
import type { AudioOut } from "./audio.ts";
import type { StateStore } from "./state.ts";
import type { ThreadWriter } from "./thread.ts";

/** The user's answer to an ask: text for a text ask, one of its actions for an action ask. */
export type AskAnswer =
  | { readonly kind: "text"; readonly content: string }
  | { readonly kind: "action"; readonly action: Action };

/** How an ask ended, for the `ask_end` frame. */
export type AskOutcome = "answered" | "timeout" | "cancelled";

/** Where a context opens its asks. The session's AskBook settles them when the client's `ask_reply` comes. */
export interface OpenAsks {
  /** Opens an ask and resolves with the answer; rejects with ASK_TIMEOUT, or the signal's reason when aborted. */
  open(
    askId: string,
    kind: "text" | "action",
    actions: readonly Action[],
    timeoutMs: number,
    signal: AbortSignal,
    onEnd: (outcome: AskOutcome) => void,
  ): Promise<AskAnswer>;
  /** Cancels one open ask (its question could not be sent): it rejects with `reason`. */
  cancel(askId: string, reason: unknown): void;
}

/** Where a context puts the action buttons it sends. The session's ActionBook finds them for `action_call`. */
export interface LiveActions {
  add(action: Action): void;
  remove(id: string): void;
}

/** The session-lived parts a context is built from. */
export interface ContextInit<S extends object> {
  readonly sessionId: string;
  readonly threadId: string;
  readonly user?: User | undefined;
  readonly chatProfile?: string | undefined;
  readonly state: StateStore<S>;
  readonly log: Logger;
  /** Sends one frame to the client (the session stamps `seq`). Resolves when it is queued for the socket. */
  emit(frame: OutgoingFrame): void | Promise<void>;
  /** `authorRename`, if the app registered one. */
  readonly renameAuthor?: ((author: string) => string | Promise<string>) | undefined;
  readonly asks: OpenAsks;
  readonly actions: LiveActions;
  /** New ids for messages, steps, actions and asks. */
  newId(): string;
  /** The clock for `createdAt`, `start` and `end`. */
  now(): Date;
  /** Default ask timeout in ms. */
  readonly askTimeoutMs: number;
  /** Where `ctx.thread` changes go: the session's thread link when persistence is on. */
  readonly thread?: ThreadWriter | undefined;
  /** Output audio (`ctx.audio`): the session's; without one, chunks are checked and dropped. */
  readonly audio?: AudioOut | undefined;
}
