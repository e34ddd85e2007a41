// The explicit context a handler receives, shaped per hook as grammY shapes its context per update: a task
// (onChatStart, onChatResume, onMessage, an action callback) gets a ChatContext, which may ask and stream; an event
// (onFeedback, onWindowMessage, the audio hooks, onStop) and onChatEnd get an EventContext, which may not.
import type { Action } from "../hooks/payloads.ts";
import type { Logger } from "../logger.ts";
import type { User } from "../protocol/views.ts";
import { type AudioOut, unplayedAudio } from "./audio.ts";
import type { ContextInit } from "./init.ts";
import {
  type ActionInit,
  type EventMessageHandle,
  type MessageHandle,
  type MessageInit,
  SentMessage,
  viewOf,
} from "./message.ts";
import type { StateStore } from "./state.ts";
import { type EventStepHandle, runStep, type StepHandle, type StepInit } from "./step.ts";
import { createThreadHandle, type ThreadHandle } from "./thread.ts";

/** Options of an ask: the question, who asks, and how long to wait (ms). */
export interface AskInit {
  readonly content: string;
  readonly author?: string | undefined;
  readonly timeoutMs?: number | undefined;
}

/**
 * What every handler can see and do. Event handlers get exactly this: they run beside the conversation (the event
 * lane, onStop) or after it (onChatEnd), so they may send but not wait for the user (no asks) nor hold their lane
 * with a stream. `S` is the shape of the session's state.
 */
export interface EventContext<S extends object = Record<string, unknown>> {
  readonly sessionId: string;
  readonly threadId: string;
  /** The user, when the app authenticates users; undefined for anonymous sessions. */
  readonly user: User | undefined;
  readonly chatProfile: string | undefined;
  /** The session's state: a typed key/value store (Chainlit's `user_session`). */
  readonly state: StateStore<S>;
  /** Aborted when this handler should end; `abortKind(ctx.signal)` tells why. Pass it to fetch, LLM clients… */
  readonly signal: AbortSignal;
  readonly log: Logger;
  /** The stored conversation: name it, tag it, annotate it. @example await ctx.thread.rename("Trip to Oslo") */
  readonly thread: ThreadHandle;
  /** Sends a message (optionally with action buttons and elements). @example await ctx.send("Hello!") */
  send(message: string | MessageInit): Promise<EventMessageHandle>;
  /** Runs `run` as a visible step; nested steps via `step.step(...)`. */
  step<T>(init: StepInit, run: (step: EventStepHandle) => T | Promise<T>): Promise<T>;
  /** Sends data to the page that embeds the chat (`window.parent.postMessage`). */
  sendWindowMessage(data: unknown): Promise<void>;
  /** Audio for the client to play, and interrupting it (docs/voice.md). @example ctx.audio.send(pcm, { sampleRate: 24000 }) */
  readonly audio: AudioOut;
}

/** Everything a task handler can see and do: an EventContext that may also stream and ask the user. */
export interface ChatContext<S extends object = Record<string, unknown>> extends EventContext<S> {
  /** Sends a message (optionally with action buttons and elements). @example await ctx.send("Hello!") */
  send(message: string | MessageInit): Promise<MessageHandle>;
  /** Starts a message whose content arrives as tokens. @example const m = await ctx.stream(); await m.streamToken("Hi"); await m.endStream(); */
  stream(message?: MessageInit): Promise<MessageHandle>;
  /** Runs `run` as a visible step; nested steps via `step.step(...)`. */
  step<T>(init: StepInit, run: (step: StepHandle) => T | Promise<T>): Promise<T>;
  /** Asks the user for text and waits. Rejects with ASK_TIMEOUT, or with the signal's reason if the task ends. */
  askText(ask: string | AskInit): Promise<string>;
  /** Asks the user to press one of `actions` and resolves with the chosen one. */
  askAction(ask: AskInit & { readonly actions: readonly ActionInit[] }): Promise<Action>;
}

/** Something that has (or makes) an AbortSignal: a task makes its signal only when a handler looks at it. */
export interface SignalSource {
  readonly signal: AbortSignal;
}

class TaskContext<S extends object> implements ChatContext<S> {
  /** Made at the first `ctx.thread`: most handlers never touch it. */
  #thread: ThreadHandle | undefined;

  constructor(
    private readonly init: ContextInit<S>,
    private readonly task: SignalSource,
  ) {}

  get signal() {
    return this.task.signal;
  }

  get sessionId() {
    return this.init.sessionId;
  }
  get threadId() {
    return this.init.threadId;
  }
  get user() {
    return this.init.user;
  }
  get chatProfile() {
    return this.init.chatProfile;
  }
  get state() {
    return this.init.state;
  }
  get log() {
    return this.init.log;
  }
  get audio(): AudioOut {
    return this.init.audio ?? unplayedAudio;
  }
  get thread(): ThreadHandle {
    this.#thread ??= createThreadHandle(this.init.threadId, this.init.thread);
    return this.#thread;
  }

  // async, so a message the constructor refuses (a bad element) rejects like every other failure of a send.
  async send(message: string | MessageInit): Promise<MessageHandle> {
    return new SentMessage(this.init, typeof message === "string" ? { content: message } : message).open(false);
  }

  async stream(message: MessageInit = {}): Promise<MessageHandle> {
    return new SentMessage(this.init, message).open(true);
  }

  step<T>(init: StepInit, run: (step: StepHandle) => T | Promise<T>): Promise<T> {
    return runStep(this.init, init, undefined, run);
  }

  async askText(ask: string | AskInit): Promise<string> {
    const answer = await this.#ask(typeof ask === "string" ? { content: ask } : ask, "text", []);
    if (answer.kind !== "text") throw new Error("unreachable: a text ask was answered with an action");
    return answer.content;
  }

  async askAction(ask: AskInit & { readonly actions: readonly ActionInit[] }): Promise<Action> {
    const answer = await this.#ask(ask, "action", ask.actions);
    if (answer.kind !== "action") throw new Error("unreachable: an action ask was answered with text");
    return answer.action;
  }

  async #ask(ask: AskInit, kind: "text" | "action", actions: readonly ActionInit[]) {
    const timeoutMs = ask.timeoutMs ?? this.init.askTimeoutMs;
    const { content, author } = ask;
    const message = new SentMessage(
      this.init,
      { content, actions, ...(author === undefined ? {} : { author }) },
      false,
    );
    const askId = this.init.newId();
    // The view first: if authorRename throws, no ask is left open to time out with nobody awaiting it.
    const view = await viewOf(this.init, message);
    const answer = this.init.asks.open(askId, kind, message.actions, timeoutMs, this.signal, (outcome) => {
      void this.init.emit({ type: "ask_end", askId, outcome });
    });
    try {
      await this.init.emit({ type: "ask", askId, kind, message: view, timeoutMs });
    } catch (error) {
      this.init.asks.cancel(askId, error);
      await answer.catch(() => undefined);
      throw error;
    }
    return answer;
  }

  async sendWindowMessage(data: unknown): Promise<void> {
    await this.init.emit({ type: "window_message", data });
  }
}

/**
 * Builds a task's context from the session's parts and the task's signal (or a source of it).
 * @example const ctx = createContext(init, new AbortController().signal);
 */
export function createContext<S extends object>(
  init: ContextInit<S>,
  signal: AbortSignal | SignalSource,
): ChatContext<S> {
  return new TaskContext(init, signal instanceof AbortSignal ? { signal } : signal);
}

/**
 * Builds an event handler's context. The same object a task gets, typed narrower: what an event handler must not do
 * is a compile-time error, and a context costs nothing more.
 * @example const ctx = createEventContext(init, session.signal);
 */
export function createEventContext<S extends object>(init: ContextInit<S>, signal: AbortSignal): EventContext<S> {
  return new TaskContext(init, { signal });
}
