// What a context is built from: the session's parts that outlive one handler call. A session or a test backs it.

import type { Action, ChatFile, HistoryMessage } from "../hooks/payloads.ts";
import type { Logger } from "../logger.ts";
import type { CommandView } from "../protocol/commands.ts";
import type { ModeView } from "../protocol/modes.ts";
import type { OutgoingFrame } from "../protocol/server.ts";
import type { SettingsInput, SettingsValues } from "../protocol/settings.ts";
import type { User } from "../protocol/views.ts";
import type { AudioOut } from "./audio.ts";
import type { FileAccess } from "./files.ts";
import type { ToolGrants } from "./grants.ts";
import type { LiveMcp } from "./mcp-servers.ts";
import type { StateStore } from "./state.ts";
import type { ThreadWriter } from "./thread.ts";
import type { TurnMemo } from "./turn-memo.ts";
import type { LiveUsage } from "./usage.ts";

/** The user's answer to an ask: text for a text ask, one of its actions for an action ask. */
export type AskAnswer =
  | { readonly kind: "text"; readonly content: string }
  | { readonly kind: "action"; readonly action: Action }
  | { readonly kind: "file"; readonly files: readonly ChatFile[] };

/** What a file ask takes (the `ask` frame's `files`). */
export interface FileAskRules {
  readonly accept: readonly string[];
  readonly maxSizeBytes: number;
  readonly maxFiles: number;
}

/** The kinds of ask. */
export type AskKind = "text" | "action" | "file";

/** How an ask ended, for the `ask_end` frame. */
export type AskOutcome = "answered" | "timeout" | "cancelled";

/** Where a context opens its asks. The session's AskBook settles them when the client's `ask_reply` comes. */
export interface OpenAsks {
  /** Opens an ask and resolves with the answer; rejects with ASK_TIMEOUT, or the signal's reason when aborted. */
  open(
    askId: string,
    kind: AskKind,
    actions: readonly Action[],
    timeoutMs: number,
    signal: AbortSignal,
    onEnd: (outcome: AskOutcome) => void,
    rules?: FileAskRules,
  ): Promise<AskAnswer>;
  /** Cancels one open ask (its question could not be sent): it rejects with `reason`. */
  cancel(askId: string, reason: unknown): void;
}

/** The message an action button is on, as far as removing its buttons goes. */
export interface ActionOwner {
  /** Takes the buttons with these ids off the message (one message_update). */
  dropActions(ids: ReadonlySet<string>): Promise<void>;
}

/** Where a context puts the action buttons it sends. The session's ActionBook finds them for `action_call`. */
export interface LiveActions {
  add(action: Action, owner: ActionOwner): void;
  remove(id: string): void;
  /** The live actions (of one message, or all), with the message each is on. */
  live(messageId?: string): { readonly action: Action; readonly owner: ActionOwner }[];
}

/** The session's settings form and values. The session's SettingsBook checks the client's updates. */
export interface LiveSettings {
  readonly values: SettingsValues;
  /** Shows `inputs`: keeps each current value that fits, else the input's initial one, and returns the values. */
  declare(inputs: readonly SettingsInput[]): SettingsValues;
}

/** The commands the session offers now (the session's CommandBook checks the messages that name one). */
export interface LiveCommands {
  readonly current: readonly CommandView[];
  set(commands: readonly CommandView[]): void;
}

/** The mode pickers the session offers now (the session's ModeBook checks a message's choices). */
export interface LiveModes {
  readonly current: readonly ModeView[];
  set(modes: readonly ModeView[]): void;
}

/** The session-lived parts a context is built from. */
export interface ContextInit<S extends object> {
  readonly sessionId: string;
  readonly threadId: string;
  readonly user?: User | undefined;
  readonly chatProfile?: string | undefined;
  /** The user's own values of the keys the app declares (`ctx.userEnv`). */
  readonly userEnv?: Readonly<Record<string, string>> | undefined;
  readonly state: StateStore<S>;
  readonly log: Logger;
  /** Sends one frame to the client (the session stamps `seq`). Resolves when it is queued for the socket. */
  emit(frame: OutgoingFrame): void | Promise<void>;
  /** `authorRename`, if the app registered one. */
  readonly renameAuthor?: ((author: string) => string | Promise<string>) | undefined;
  readonly asks: OpenAsks;
  readonly actions: LiveActions;
  readonly settings: LiveSettings;
  readonly commands: LiveCommands;
  readonly modes: LiveModes;
  /** The conversation's messages so far, oldest first (`ctx.history()`). */
  history(): HistoryMessage[];
  /** The session's token sums (`ctx.reportUsage`). */
  readonly usage: LiveUsage;
  /** New ids for messages, steps, actions and asks. */
  newId(): string;
  /** Takes an app-chosen message or step id for the thread; throws `DUPLICATE_ID` when the thread has it already. */
  claimId?(id: string): void;
  /** The clock for `createdAt`, `start` and `end`. */
  now(): Date;
  /** `now().toISOString()`, when the clock has a cheaper way to say it (the live session's: one string per
   * millisecond). */
  isoNow?(): string;
  /** Default ask timeout in ms. */
  readonly askTimeoutMs: number;
  /** The longest timeout an ask may have (BAD_ASK_TIMEOUT beyond it). Default: Node's longest timer. */
  readonly maxAskTimeoutMs?: number | undefined;
  /** UTF-8 bytes a streamed message's content may reach (STREAM_TOO_LONG beyond it). Default: no bound. */
  readonly maxStreamBytes?: number | undefined;
  /** Where uploads live: the default bounds of `askFile` come from it. */
  readonly files?: FileAccess | undefined;
  /** Where `ctx.thread` changes go: the session's thread link when persistence is on. */
  readonly thread?: ThreadWriter | undefined;
  /** Output audio (`ctx.audio`): the session's; without one, chunks are checked and dropped. */
  readonly audio?: AudioOut | undefined;
  /** Sticky tool approvals (`ctx.approve`): the session's; without them, each context keeps its own in memory. */
  readonly grants?: ToolGrants | undefined;
  /** The running turn's step memo when the turn is durable (docs/durability.md); without it, steps always run. */
  readonly turn?: TurnMemo | undefined;
  /** The session's MCP servers (`ctx.mcp`); without them, none are connected. */
  readonly mcp?: LiveMcp | undefined;
  /** Runs a handler or a step's callback with its trace span active, when the app traces (docs/integrations.md). */
  readonly spans?: ActiveSpans | undefined;
}

/** Makes a task's or step's span the active OpenTelemetry context while its code runs. */
export interface ActiveSpans {
  /** Runs `run` with the span of step `stepId` (undefined: of the running task) active; as it is without one. */
  within<A, T>(stepId: string | undefined, run: (arg: A) => T, arg: A): T;
}
