// What each hook receives besides the context: the seed's Chainlit types, in TypeScript form.
import type { ActionView, JsonObject, MessageView, StepView } from "../protocol/views.ts";

/** A message the user sent, as `onMessage` receives it. */
export interface IncomingMessage {
  /** The server's id of the message: unique, the id it is stored under (a step of the thread). */
  readonly id: string;
  /** The id the client gave the message (errors about it carry this one as `replyTo`). */
  readonly clientId: string;
  readonly content: string;
  readonly createdAt: string;
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
