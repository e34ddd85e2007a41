// The explicit context a handler receives, shaped per hook as grammY shapes its context per update: a task
// (onChatStart, onChatResume, onMessage, an action callback) gets a ChatContext, which may ask and stream; an event
// (onFeedback, onWindowMessage, the audio hooks, onStop) and onChatEnd get an EventContext, which may not.
import type { Action, ChatFile, HistoryMessage, IncomingMessage } from "../hooks/payloads.ts";
import type { Logger } from "../logger.ts";
import type { ToastLevel } from "../protocol/server.ts";
import type { SettingsValues } from "../protocol/settings.ts";
import type { User } from "../protocol/views.ts";
import { type ApproveInit, memoryGrants, runApproval, type ToolGrants } from "./approve.ts";
import type { AskInit } from "./ask-init.ts";
import { type AskFileInit, askAction, askFile, askText } from "./asks.ts";

export type { AskInit } from "./ask-init.ts";
export type { AskFileInit } from "./asks.ts";

import { type AudioOut, unplayedAudio } from "./audio.ts";
import { type CommandInit, checkedCommands } from "./commands.ts";
import {
  type ElementHandle,
  removeElements,
  type SidebarInit,
  type StandaloneElementInit,
  sendElement,
  setSidebar,
} from "./elements.ts";
import { type Incoming, noIncoming } from "./incoming.ts";
import type { ActionOwner, ContextInit } from "./init.ts";
import { type McpAccess, mcpAccess } from "./mcp.ts";
import {
  type ActionInit,
  type EventMessageHandle,
  type MessageHandle,
  type MessageInit,
  SentMessage,
} from "./message.ts";
import { checkedModes, type ModeInit } from "./modes.ts";
import type { ChatSettings } from "./settings.ts";
import type { StateStore } from "./state.ts";
import { type EventStepHandle, runStep, type StepHandle, type StepInit } from "./step.ts";
import { createThreadHandle, type ThreadHandle } from "./thread.ts";
import type { UsageReport } from "./usage.ts";

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
  /** The values the user provided for the keys the app declares (`chat.userEnv([...])`); never stored nor logged:
   * keep them out of messages and logs too. @example const key = ctx.userEnv.OPENAI_API_KEY; */
  readonly userEnv: Readonly<Record<string, string>>;
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
  /** Shows a transient notice (a `toast` frame: not part of the conversation, never stored).
   * @example await ctx.toast("Saved", { level: "success" }) */
  toast(message: string, options?: { readonly level?: ToastLevel | undefined }): Promise<void>;
  /** Reports the tokens a model call used (Chainlit's `token_usage`): summed per turn and per thread (stored with
   * it), and sent to the client as a `usage` frame. Throws RangeError for counts that are not whole numbers from 0.
   * @example await ctx.reportUsage({ inputTokens: 812, outputTokens: 95, model: "gpt-4o-mini" }) */
  reportUsage(usage: UsageReport): Promise<void>;
  /** The settings form's current values, by input id (`form.read(ctx.settings)` types them); {} without a form. */
  readonly settings: SettingsValues;
  /** Shows `form` in this session (instead of the app's) and resolves with its values, typed: the current ones
   * that fit, else the initial ones. @example const { model } = await ctx.setSettings(form); */
  setSettings<V extends object>(form: ChatSettings<V>): Promise<V>;
  /** Replaces the commands the user may send a message with (Chainlit's set_commands); [] removes them all.
   * @example await ctx.setCommands([{ id: "search", description: "Search the web", button: true }]) */
  setCommands(commands: readonly CommandInit[]): Promise<void>;
  /** Replaces the mode pickers (Chainlit's modes); [] removes them. A message carries its choices: `message.modes`.
   * @example await ctx.setModes([{ id: "effort", name: "Effort", options: [{ id: "low", name: "Low" }, { id: "high", name: "High" }] }]) */
  setModes(modes: readonly ModeInit[]): Promise<void>;
  /**
   * Takes action buttons off their messages, with no handle kept: one action (e.g. the one an action callback got),
   * every button of a message (`{ messageId }`), or every live button of the session (no argument). Chainlit's
   * `action.remove()`. @example chat.actionCallback("approve", async (ctx, action) => { await ctx.removeActions(action); });
   */
  removeActions(which?: Action | { readonly messageId: string }): Promise<void>;
  /** The conversation's messages so far, oldest first: the user's and the app's, a reopened thread's included
   * (Chainlit's `cl.chat_context`). The last 1000 at most. @example const turns = ctx.history().map((m) => ({ role: m.role, content: m.content })); */
  history(): HistoryMessage[];
  /** Sends an element on its own (attached to message `forId`, if given): a chart, a live task list, a file…
   * @example const tasks = await ctx.sendElement({ name: "Plan", kind: "tasklist", props: { tasks: [] } }); */
  sendElement(element: StandaloneElementInit): Promise<ElementHandle>;
  /** Removes elements by id (from `sendElement` or a message's `elements`), with their stored bytes. */
  removeElements(ids: readonly string[]): Promise<void>;
  /** Opens the side panel with these elements (Chainlit's `ElementSidebar.set_elements`); `[]` closes it. */
  setSidebar(sidebar: SidebarInit): Promise<void>;
  /** Audio for the client to play, and interrupting it (docs/voice.md). @example ctx.audio.send(pcm, { sampleRate: 24000 }) */
  readonly audio: AudioOut;
  /** The MCP servers the user added to this session, their tools, and `call` (a visible `tool` step; docs/hooks.md).
   * @example const result = await ctx.mcp.call("weather", "forecast", { city: "Oslo" }); */
  readonly mcp: McpAccess;
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
  /**
   * Asks the user whether `tool` may run (approve buttons up to `remember`, and Deny) and resolves true when it may.
   * A grant the user gave before for this thread, or always, answers at once without asking. Rejects as an ask does
   * (ASK_TIMEOUT, the signal's reason); BAD_APPROVAL for a tool name that is empty or too long.
   * @example if (await ctx.approve({ tool: "delete_file", input: { path }, remember: "thread" })) await remove(path);
   */
  approve(init: ApproveInit): Promise<boolean>;
  /** Forgets the user's grants of `tool` (this thread's and the "always" one): the next approval asks again.
   * @example await ctx.forgetApproval("delete_file"); */
  forgetApproval(tool: string): Promise<void>;
  /**
   * The messages the user sends while this task runs, as they come in: under the app's `midReply: "steer"` policy,
   * a message read here is this task's to answer and starts no turn of its own (the ones left unread when the task
   * returns start their turns, in order). Ends when the task is aborted; with any other policy, ends at once.
   * @example for await (const more of ctx.incoming()) { if (more.content === "done") break; await ctx.send(`also: ${more.content}`); }
   */
  incoming(): AsyncIterable<IncomingMessage>;
  /** The messages sent mid-reply so far and not read yet, without waiting (`[]` if none, or without `steer`).
   * @example const corrections = await ctx.takeIncoming(); // between two model calls */
  takeIncoming(): Promise<IncomingMessage[]>;
}

/** Something that has (or makes) an AbortSignal: a task makes its signal only when a handler looks at it. With
 * `incoming`, the messages the user sends while the task runs (the `steer` policy). */
export interface SignalSource {
  readonly signal: AbortSignal;
  readonly incoming?: Incoming | undefined;
}

/**
 * Opens a message: one promise per send. A message the constructor refuses (a bad element), or an emit that throws,
 * rejects like every other failure of a send (the constructor runs inside: no closure per send to defer it).
 */
function opened<S extends object>(
  init: ContextInit<S>,
  message: string | MessageInit,
  streaming: boolean,
): Promise<MessageHandle> {
  try {
    const sent = new SentMessage(init, message).openNow(streaming);
    return sent instanceof Promise ? sent : Promise.resolve(sent);
  } catch (error) {
    return Promise.reject(error);
  }
}

/** `ctx.stream()` without an init, shared. */
const NO_INIT: MessageInit = Object.freeze({});

class TaskContext<S extends object> implements ChatContext<S> {
  /** Made at the first `ctx.thread`: most handlers never touch it. */
  #thread: ThreadHandle | undefined;
  /** Made at the first `ctx.mcp`. */
  #mcp: McpAccess | undefined;

  private readonly init: ContextInit<S>;
  private readonly task: SignalSource;

  constructor(init: ContextInit<S>, task: SignalSource) {
    this.init = init;
    this.task = task;
  }

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
  get userEnv(): Readonly<Record<string, string>> {
    return this.init.userEnv ?? {};
  }
  get log() {
    return this.init.log;
  }
  get audio(): AudioOut {
    return this.init.audio ?? unplayedAudio;
  }
  get mcp(): McpAccess {
    this.#mcp ??= mcpAccess(this.init, () => this.signal);
    return this.#mcp;
  }
  get thread(): ThreadHandle {
    this.#thread ??= createThreadHandle(this.init.threadId, this.init.thread);
    return this.#thread;
  }

  send(message: string | MessageInit): Promise<MessageHandle> {
    return opened(this.init, message, false);
  }

  stream(message: MessageInit = NO_INIT): Promise<MessageHandle> {
    return opened(this.init, message, true);
  }

  step<T>(init: StepInit, run: (step: StepHandle) => T | Promise<T>): Promise<T> {
    return runStep(this.init, init, undefined, run);
  }

  incoming(): AsyncIterable<IncomingMessage> {
    return (this.task.incoming ?? noIncoming()).messages(this.signal);
  }

  takeIncoming(): Promise<IncomingMessage[]> {
    return (this.task.incoming ?? noIncoming()).take();
  }

  askText(ask: string | AskInit): Promise<string> {
    return askText(this.init, this.signal, typeof ask === "string" ? { content: ask } : ask);
  }

  askAction(ask: AskInit & { readonly actions: readonly ActionInit[] }): Promise<Action> {
    return askAction(this.init, this.signal, ask);
  }

  askFile(ask: AskFileInit): Promise<readonly ChatFile[]> {
    return askFile(this.init, this.signal, ask);
  }

  approve(init: ApproveInit): Promise<boolean> {
    return runApproval(init, this.#grants, (ask) => this.askAction(ask));
  }

  forgetApproval(tool: string): Promise<void> {
    return this.#grants.remove(tool);
  }

  /** The session's grants; a context without them (a fake one given none) keeps its own in memory. */
  get #grants(): ToolGrants {
    this.#ownGrants ??= this.init.grants ?? memoryGrants();
    return this.#ownGrants;
  }

  #ownGrants: ToolGrants | undefined;

  async sendWindowMessage(data: unknown): Promise<void> {
    await this.init.emit({ type: "window_message", data });
  }

  get settings(): SettingsValues {
    return this.init.settings.values;
  }

  history(): HistoryMessage[] {
    return this.init.history();
  }

  async toast(message: string, options: { readonly level?: ToastLevel | undefined } = {}): Promise<void> {
    if (typeof message !== "string" || message.length > 10_000)
      throw new RangeError("a toast is text of 10,000 characters at most");
    await this.init.emit({ type: "toast", message, level: options.level ?? "info" });
  }

  async reportUsage(usage: UsageReport): Promise<void> {
    await this.init.emit(this.init.usage.add(usage));
  }

  async removeActions(which?: Action | { readonly messageId: string }): Promise<void> {
    const live = this.init.actions.live(which?.messageId);
    const chosen = which !== undefined && "id" in which ? live.filter(({ action }) => action.id === which.id) : live;
    const byOwner = new Map<ActionOwner, Set<string>>();
    for (const { action, owner } of chosen) byOwner.set(owner, (byOwner.get(owner) ?? new Set()).add(action.id));
    for (const [owner, ids] of byOwner) await owner.dropActions(ids);
  }

  async setModes(modes: readonly ModeInit[]): Promise<void> {
    const checked = checkedModes(modes);
    this.init.modes.set(checked);
    await this.init.emit({ type: "modes", modes: checked });
  }

  async setCommands(commands: readonly CommandInit[]): Promise<void> {
    const checked = checkedCommands(commands);
    this.init.commands.set(checked);
    await this.init.emit({ type: "commands", commands: checked });
  }

  async setSettings<V extends object>(form: ChatSettings<V>): Promise<V> {
    const values = this.init.settings.declare(form.inputs);
    await this.init.emit({ type: "chat_settings", inputs: [...form.inputs], values });
    return form.read(values);
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
