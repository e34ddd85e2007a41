// The explicit context a handler receives, shaped per hook as grammY shapes its context per update: a task
// (onChatStart, onChatResume, onMessage, an action callback) gets a ChatContext, which may ask and stream; an event
// (onFeedback, onWindowMessage, the audio hooks, onStop) and onChatEnd get an EventContext, which may not.
import type { Action, ChatFile } from "../hooks/payloads.ts";
import type { Logger } from "../logger.ts";
import type { User } from "../protocol/views.ts";
import {
  type ElementHandle,
  removeElements,
  type SidebarInit,
  type StandaloneElementInit,
  sendElement,
  setSidebar,
} from "./elements.ts";
import type { AskKind, AskOutcome, ContextInit, FileAskRules } from "./init.ts";
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

/** Options of `askFile` (Chainlit's AskFileMessage): what to upload, and how much. */
export interface AskFileInit extends AskInit {
  /** MIME types and `type/*` patterns the files may have (found in their bytes). Default: any. */
  readonly accept?: readonly string[] | undefined;
  /** Bytes per file. Default (and at most): the gateway's `maxUploadBytes`. */
  readonly maxSizeBytes?: number | undefined;
  /** How many files the user may send in the answer (at least one). Default 1. */
  readonly maxFiles?: number | undefined;
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
  /** Sends an element on its own (attached to message `forId`, if given): a chart, a live task list, a file…
   * @example const tasks = await ctx.sendElement({ name: "Plan", kind: "tasklist", props: { tasks: [] } }); */
  sendElement(element: StandaloneElementInit): Promise<ElementHandle>;
  /** Removes elements by id (from `sendElement` or a message's `elements`), with their stored bytes. */
  removeElements(ids: readonly string[]): Promise<void>;
  /** Opens the side panel with these elements (Chainlit's `ElementSidebar.set_elements`); `[]` closes it. */
  setSidebar(sidebar: SidebarInit): Promise<void>;
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
  /** Asks the user for files and resolves with them (1 to `maxFiles`). Rejects with ASK_TIMEOUT, or with the
   * signal's reason if the task ends. @example const [csv] = await ctx.askFile({ content: "Your CSV?", accept: ["text/csv"] }); */
  askFile(ask: AskFileInit): Promise<readonly ChatFile[]>;
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

  async askFile(ask: AskFileInit): Promise<readonly ChatFile[]> {
    const ceiling = this.init.files?.maxElementBytes ?? Number.MAX_SAFE_INTEGER;
    const rules: FileAskRules = {
      accept: [...(ask.accept ?? ["*/*"])],
      maxSizeBytes: Math.min(ask.maxSizeBytes ?? ceiling, ceiling),
      maxFiles: Math.max(1, ask.maxFiles ?? 1),
    };
    const answer = await this.#ask(ask, "file", [], rules);
    if (answer.kind !== "file") throw new Error("unreachable: a file ask was answered with something else");
    return answer.files;
  }

  async #ask(ask: AskInit, kind: AskKind, actions: readonly ActionInit[], rules?: FileAskRules) {
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
    const end = (outcome: AskOutcome) => void this.init.emit({ type: "ask_end", askId, outcome });
    const answer = this.init.asks.open(askId, kind, message.actions, timeoutMs, this.signal, end, rules);
    try {
      const files = rules === undefined ? {} : { files: { ...rules, accept: [...rules.accept] } };
      await this.init.emit({ type: "ask", askId, kind, message: view, timeoutMs, ...files });
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

  sendElement(element: StandaloneElementInit): Promise<ElementHandle> {
    return sendElement(this.init, element);
  }

  removeElements(ids: readonly string[]): Promise<void> {
    return removeElements(this.init, ids);
  }

  setSidebar(sidebar: SidebarInit): Promise<void> {
    return setSidebar(this.init, sidebar);
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
