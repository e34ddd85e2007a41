// What each hook receives besides the context: the seed's Chainlit types, in TypeScript form.
import type { Readable } from "node:stream";
import type { ActionView, JsonObject, MessageRole, MessageView, StepView } from "../protocol/views.ts";

/** A message the user sent, as `onMessage` receives it. */
export interface IncomingMessage {
  /** The server's id of the message: unique, the id it is stored under (a step of the thread). */
  readonly id: string;
  /** The id the client gave the message (errors about it carry this one as `replyTo`). */
  readonly clientId: string;
  readonly content: string;
  readonly createdAt: string;
  /** The files the user attached (uploaded with `POST /files`, named by id in the frame): empty when none. */
  readonly files: readonly ChatFile[];
  /** The id of the command the user sent it with (one of the declared commands), if any. */
  readonly command?: string | undefined;
  /** The option of every mode offered, by mode id (the user's choice, else the default); only when there are modes. */
  readonly modes?: Readonly<Record<string, string>> | undefined;
}

/** A durable turn found orphaned (its node died) and claimed by this node, as `onTurnRecover` receives it
 * (docs/durability.md). */
export interface RecoveredTurn {
  /** The turn's own id (the same on every attempt). */
  readonly id: string;
  /** The message that started the turn, as `onMessage` got it; its `files` those still in the file store. */
  readonly input: IncomingMessage;
  /** Which attempt this is: 2 for the first recovery. */
  readonly attempt: number;
  /** The outputs of the steps that finished in earlier attempts, by their place in the turn (`/name#index`,
   * nested under their parent's place). A step at one of these places returns its output without running. */
  readonly steps: ReadonlyMap<string, unknown>;
  /** The answer streamed so far, as stored (the last message the turn sent), if there is one. Re-sent answers
   * continue it: what it already holds is not sent again. */
  readonly answer?: { readonly id: string; readonly content: string } | undefined;
}

/** One message of the conversation so far, as `ctx.history()` gives it (Chainlit's `chat_context`). */
export interface HistoryMessage {
  readonly id: string;
  /** `user` for what the user typed, `assistant` (or `system`) for what the app sent. */
  readonly role: MessageRole;
  readonly author: string;
  readonly content: string;
  readonly createdAt: string;
  /** The command a user message was sent with, if any. */
  readonly command?: string | undefined;
}

/** A file the user uploaded (Chainlit's `AskFileResponse`, a message's file elements): never a path on the server. */
export interface ChatFile {
  readonly id: string;
  /** The name the user's file had, made safe (no directories, no control characters). */
  readonly name: string;
  /** The type found in the bytes (magic numbers), not the one the client declared. */
  readonly mime: string;
  readonly size: number;
  /** A signed URL the client can fetch it from (valid 24 h). */
  readonly url: string;
  /** The bytes as a stream, chunk by chunk: a large file never sits in memory whole. */
  stream(): Readable;
  /** All the bytes at once: for small files. */
  bytes(): Promise<Uint8Array>;
  /** The bytes as UTF-8 text. */
  text(): Promise<string>;
}

/** An action button press: the action the app sent, as `actionCallback(name, fn)` receives it. */
export type Action = ActionView;

/** One chunk of a recording (Chainlit's InputAudioChunk). `data` is raw bytes, never base64. */
export interface InputAudioChunk {
  /** True for the first chunk after `audio_start`. */
  readonly isStart: boolean;
  /** The MIME type the client announced in `audio_start`, e.g. "audio/webm". */
  readonly mimeType: string;
  /** Seconds since the recording started, as the client measured it. */
  readonly elapsedTime: number;
  readonly data: Uint8Array;
}

/** The start of a recording, as `onAudioStart` receives it. */
export interface AudioStartInfo {
  readonly mimeType: string;
  /** True when this recording barged in: output audio was playing, and the session interrupted it
   * (`audio_interrupt` reason `barge_in`). Cancel the speech you were generating. */
  readonly interrupted: boolean;
}

/** Thumbs feedback on a message: `value` 1 is up, 0 is down. A second one on the same message updates the first. */
export interface Feedback {
  /** Stable id of this feedback (the same when it is updated). */
  readonly id: string;
  readonly messageId: string;
  readonly value: 0 | 1;
  /** The user's comment; the key is there (undefined) when the client sent none. */
  readonly comment?: string | undefined;
}

/** A stored conversation, Chainlit-shaped, as `onChatResume` receives it. */
export interface ThreadDict {
  readonly id: string;
  readonly createdAt: string;
  readonly name?: string;
  readonly userId?: string;
  readonly userIdentifier?: string;
  readonly tags: readonly string[];
  readonly metadata: JsonObject;
  /** Messages and steps in the order they happened. */
  readonly steps: readonly (ThreadMessageStep | ThreadToolStep)[];
  readonly elements: readonly ThreadElement[];
}

/** A message in a thread's history. */
export interface ThreadMessageStep extends MessageView {
  readonly kind: "message";
}

/** A step (tool call, LLM call…) in a thread's history. */
export interface ThreadToolStep extends StepView {
  readonly kind: "step";
}

/** Metadata of a file or media element attached to a thread. */
export interface ThreadElement {
  readonly id: string;
  readonly name: string;
  readonly mime?: string;
  readonly url?: string;
  readonly forId?: string;
}
