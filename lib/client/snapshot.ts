// The conversation as a UI renders it: immutable values, replaced (never changed) when a frame changes them, so a
// UI compares by reference (React's useSyncExternalStore, memo) and re-renders only what changed.
import type {
  ActionView,
  CommandView,
  ElementView,
  FavoriteView,
  FileAskRules,
  MessageView,
  ModeView,
  ServerFrameOf,
  SettingsInput,
  SettingsValues,
  StarterView,
  StepView,
  User,
} from "../protocol/index.ts";
import type { ConnectionStatus, LostReason } from "./connection.ts";

/** The feedback the user gave a message: `sending` until the server answers `feedback_saved` (or an error). */
export interface ChatFeedback {
  readonly value: 0 | 1 | null;
  readonly comment?: string;
  readonly state: "sending" | "saved" | "failed";
  /** The stored feedback's id (from `feedback_saved`, or a reopened thread's history). */
  readonly id?: string;
}

/** The ask a message puts to the user, while it is open and after (`outcome`). */
export interface ChatAskOf {
  readonly askId: string;
  readonly kind: "text" | "action" | "file";
  readonly open: boolean;
  readonly outcome?: "answered" | "timeout" | "cancelled";
}

/** A message as shown: the server's view plus what the client knows about it. */
export interface ChatMessage extends MessageView {
  /** Its content is still arriving as tokens (between stream_start and stream_end). */
  readonly streaming: boolean;
  /** False once its session is gone (a new one replaced it): its actions and feedback no longer reach anything. */
  readonly live: boolean;
  /** The user's own message as typed here, under the client's id (the server stores it under an id of its own). */
  readonly local?: true;
  readonly feedback?: ChatFeedback;
  /** The user's own message is one of their favorites (marked here, or listed by the server's `favorites`). */
  readonly favorite?: true;
  /** Set on the message of an `ask`. */
  readonly ask?: ChatAskOf;
}

/** A step with its feedback, if a reopened thread's history carried some. */
export interface ChatStep extends StepView {
  readonly feedback?: ChatFeedback;
}

/** Where an earlier session ended and a new conversation began (the old one could not be resumed). */
export interface ChatDivider {
  readonly id: string;
  readonly lost?: LostReason;
}

/** One entry of the conversation tree: a message or a step with what is nested under it, or a divider. */
export type ChatNode =
  | {
      readonly kind: "message";
      readonly id: string;
      readonly message: ChatMessage;
      readonly children: readonly ChatNode[];
    }
  | { readonly kind: "step"; readonly id: string; readonly step: ChatStep; readonly children: readonly ChatNode[] }
  | { readonly kind: "divider"; readonly id: string; readonly divider: ChatDivider; readonly children: readonly [] };

/** An element with the message that carries it. */
export interface ChatElement extends ElementView {
  readonly messageId: string;
}

/** An open ask, oldest first: answer it with `answerAsk`. */
export interface PendingAsk {
  readonly askId: string;
  readonly kind: "text" | "action" | "file";
  /** The message that asks (its content is the question; an action ask's actions are the choices). */
  readonly message: ChatMessage;
  readonly timeoutMs: number;
  /** A file ask's rules: upload files that fit, then `answerAsk(askId, { files })`. */
  readonly files?: FileAskRules;
}

/** The session this conversation runs in. */
export interface SessionInfo {
  readonly sessionId: string;
  readonly threadId: string;
  readonly user?: User;
  readonly chatProfile?: string;
  /** A read-only viewer of a shared thread (`welcome.view`): show no input. */
  readonly view?: true;
}

/** The settings form the app shows (its last `chat_settings`): render `inputs`, filled with `values`. */
export interface ChatSettingsView {
  readonly inputs: readonly SettingsInput[];
  readonly values: SettingsValues;
}

/** Everything a UI renders, as one immutable value. */
export interface ChatSnapshot {
  readonly status: ConnectionStatus;
  /** The current session; undefined before the first welcome and after close(). */
  readonly session: SessionInfo | undefined;
  /** A reopened thread's name (thread_history). */
  readonly threadName: string | undefined;
  /** Every message, in the order it first arrived. */
  readonly messages: readonly ChatMessage[];
  /** Messages and steps as nested by their `parentId` (an entry whose parent is unknown is at the top level). */
  readonly tree: readonly ChatNode[];
  /** The elements of every message, in message order. */
  readonly elements: readonly ChatElement[];
  /** The actions the user can call now: those of live messages, not of asks. */
  readonly actions: readonly ActionView[];
  /** Action ids called and not yet done (their task has not ended): a UI disables their buttons. */
  readonly pressed: readonly string[];
  readonly asks: readonly PendingAsk[];
  /** A task is running (between task_start and task_end): show a busy indicator and a stop button. */
  readonly busy: boolean;
  /** Whether the server is taking audio (audio_state). */
  readonly audio: boolean;
  /** The settings form of the session, if the app shows one; change it with `client.updateSettings`. */
  readonly settings: ChatSettingsView | undefined;
  /** Suggested first messages of a new conversation: show them while `messages` is empty; `client.send(message)`. */
  readonly starters: readonly StarterView[];
  /** The commands the user may send a message with (`client.send(text, { command })`): a `/` palette, buttons. */
  readonly commands: readonly CommandView[];
  /** The mode pickers (`client.send(text, { modes: { [modeId]: optionId } })`). */
  readonly modes: readonly ModeView[];
  /** The user's favorite messages, newest first, from any of their threads (`client.favorite`): what a composer
   * offers to send again. Empty without a signed-in user or persistence. */
  readonly favorites: readonly FavoriteView[];
  /** The session's error frames, oldest first (the last 50). */
  readonly errors: readonly ServerFrameOf<"error">[];
}
