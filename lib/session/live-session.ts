// One chat session: its parts and its lifecycle. It composes the parts — the two lanes, the outbox, the asks and
// action buttons, audio input, feedback, the thread link — each with its own state, hands each command to the piece
// about it (session-commands.ts), and shows the layers above only the `Session` interface (session.ts).

import { nanoid } from "nanoid";
import { type AbortKind, isAbortOf, TaskAborted } from "../context/abort.ts";
import type { ContextInit } from "../context/init.ts";
import type { LiveMcp } from "../context/mcp-servers.ts";
import type { LoadedThread } from "../data/layer.ts";
import { ChatwireError, type ErrorCode } from "../errors.ts";
import { type HookSource, tableOf } from "../hooks/live-table.ts";
import type { HookTable } from "../hooks/table.ts";
import type { McpTransport } from "../protocol/mcp.ts";
import type { FollowedFrame, OutgoingFrame } from "../protocol/server.ts";
import type { User } from "../protocol/views.ts";
import { ActionBook } from "./actions.ts";
import { AskBook } from "./asks.ts";
import { AudioInput } from "./audio.ts";
import { AudioOutput, type AudioOutputHost } from "./audio-output.ts";
import { CommandBook } from "./chat-commands.ts";
import { ChosenIds } from "./chosen-ids.ts";
import type { SessionCommand } from "./commands.ts";
import { saveConversation } from "./conversation.ts";
import { SessionTurns } from "./durable-turns.ts";
import { EventLane } from "./event-lane.ts";
import { reportFailure, tellApp } from "./failures.ts";
import { type FavoritesDesk, NO_FAVORITES, sendFavorites } from "./favorites.ts";
import { TaskLane } from "./lanes.ts";
import type { LiveParts, WaitingTurn } from "./live-parts.ts";
import { McpDesk, mcpTransports } from "./mcp-desk.ts";
import { ModeBook } from "./modes.ts";
import type { Outbox } from "./outbox.ts";
import { recoveryHost } from "./recovery-host.ts";
import { ResumableOutbox, type ResumableSession } from "./resumable-outbox.ts";
import type { Announcement, Session, SessionInit, SessionLimits } from "./session.ts";
import { receiveCommand, replyToOf } from "./session-commands.ts";
import { sessionParts } from "./session-parts.ts";
import { SettingsBook } from "./settings.ts";
import { settlesWithin } from "./settles-within.ts";
import type { FrameSink } from "./sink.ts";
import { ThreadIds } from "./thread-ids.ts";
import type { ThreadLink } from "./thread-link.ts";
import { isFollowed, type ThreadViewers } from "./thread-viewers.ts";
import type { FrameTracer } from "./traces.ts";
import { Transcript } from "./transcript.ts";
import { recoverTurns } from "./turn-recovery.ts";
import { UsageBook } from "./usage.ts";

/**
 * Opens a session. Attach a sink, `start()` it, then hand it commands.
 * @example
 * const session = createSession({ hooks: chat.seal(), limits, log });
 * session.attach(sink, 0);
 * session.start();
 * session.receive({ type: "user_message", id: "m1", content: "hi" });
 */
export function createSession<S extends object>(init: SessionInit<S>): Session {
  return new LiveSession(init);
}

/**
 * The session behind the `Session` interface. Its parts report back through its methods, not closures: tens of
 * thousands of idle sessions each pay for every closure they hold. Its parts are fields the pieces of session/ read
 * through `LiveParts`; nothing outside session/ sees the class (createSession returns a `Session`).
 */
class LiveSession<S extends object> implements Session, LiveParts<S>, AudioOutputHost, ResumableSession {
  readonly id = nanoid();
  readonly resumeToken = nanoid(32);
  readonly parts: ContextInit<S>;
  readonly #source: HookSource<S>;
  readonly limits: SessionLimits;
  /** The outbox and its connection's lifecycle (attach, disconnect, the reconnect grace timer). */
  readonly #resumable: ResumableOutbox;
  readonly outbox: Outbox;
  readonly link: ThreadLink | undefined;
  readonly ids: ThreadIds;
  readonly asks: AskBook;
  readonly actions = new ActionBook();
  readonly settings: SettingsBook;
  readonly commands = new CommandBook();
  readonly modes = new ModeBook();
  readonly transcript = new Transcript();
  readonly chosenIds = new ChosenIds();
  readonly usage: UsageBook;
  readonly tasks: TaskLane<S>;
  readonly events: EventLane<S>;
  /** Made at the first audio command: most sessions never record. */
  #audio: AudioInput<S> | undefined;
  readonly output: AudioOutput;
  readonly #registry: SessionInit<S>["registry"];
  /** Until start(): shown on a new conversation. */
  #starters: SessionInit<S>["starters"];
  readonly files: SessionInit<S>["files"];
  #ended: Promise<void> | undefined;
  /** Set once the session has fully ended (after onChatEnd): later sends from handlers throw SESSION_CLOSED. */
  #closed = false;
  readonly waitingTurns = new Set<WaitingTurn>();
  /** The MCP servers the user added; made at the first MCP command (`mcpDesk()`: the SDK loads only then). */
  #mcp: McpDesk<S> | undefined;
  readonly #mcpPolicy: SessionInit<S>["mcp"];
  /** The session's trace spans, when the app installed @opentelemetry/api. */
  readonly #traces: FrameTracer | undefined;
  readonly favorites: FavoritesDesk<S>;
  readonly durable: SessionTurns | undefined;
  readonly viewers: ThreadViewers | undefined;
  reopened: LoadedThread | undefined;

  constructor(init: SessionInit<S>) {
    const { limits } = init;
    this.#source = init.hooks;
    this.limits = limits;
    this.#resumable = new ResumableOutbox(limits, this);
    this.outbox = this.#resumable.outbox;
    this.#registry = init.registry;
    this.#starters = init.starters;
    this.files = init.files;
    const access = init.favorites ?? NO_FAVORITES;
    this.link = init.link;
    this.viewers = init.viewers;
    this.durable =
      init.durableTurns === undefined || init.link === undefined
        ? undefined
        : new SessionTurns(init.durableTurns, init.link, init.log, () => this.user?.identifier);
    const steer = limits.midReply === "steer";
    this.tasks = new TaskLane(
      limits.maxQueuedTasks,
      limits.maxQueuedTaskBytes,
      this,
      limits.taskTimeoutMs,
      init.link,
      steer,
      init.turns,
    );
    this.events = new EventLane(limits.maxQueuedEvents, limits.maxQueuedEventBytes, this);
    this.#mcpPolicy = init.mcp;
    this.asks = new AskBook(limits.maxPendingAsks);
    this.favorites = { host: this, events: this.events, transcript: this.transcript, link: init.link, access };
    this.output = new AudioOutput(this, this.outbox, limits.maxAudioBufferedBytes);
    const threadId = init.threadId ?? nanoid();
    this.ids = new ThreadIds(threadId);
    this.#traces = init.tracing?.forSession(this.id, threadId);
    this.settings = new SettingsBook(init.restoredSettings);
    // The thread's sums are saved with it after each report: a crash loses none of them.
    this.usage = new UsageBook(init.restoredUsage, () => this.saveConversation());
    this.parts = sessionParts(this, init, threadId, this.#traces);
  }

  /** The hook table as it is now: a reload may have swapped it since the last turn, while a running turn keeps the
   * function it already called. */
  get hooks(): HookTable<S> {
    return tableOf(this.#source);
  }

  get threadId(): string {
    return this.parts.threadId;
  }
  get user(): User | undefined {
    return this.parts.user;
  }
  get chatProfile(): string | undefined {
    return this.parts.chatProfile;
  }
  get seq(): number {
    return this.outbox.seq;
  }
  get attached(): boolean {
    return this.outbox.attached;
  }
  get ended(): boolean {
    return this.#ended !== undefined;
  }
  get closed(): boolean {
    return this.#closed;
  }

  start(thread?: LoadedThread): void {
    this.viewers?.join(this.threadId, this);
    const { onChatStart, onChatResume, chatSettings, commands, modes } = this.hooks;
    if (modes !== undefined) {
      this.modes.set(modes);
      this.notify({ type: "modes", modes: [...modes] });
    }
    if (commands !== undefined) {
      this.commands.set(commands);
      this.notify({ type: "commands", commands: [...commands] });
    }
    if (chatSettings !== undefined) {
      const values = this.settings.declare(chatSettings.inputs);
      this.notify({ type: "chat_settings", inputs: [...chatSettings.inputs], values });
    }
    if (this.favorites.access.on) this.events.run("favorites", undefined, () => sendFavorites(this.favorites));
    const starters = this.#starters;
    this.#starters = undefined;
    if (thread === undefined) {
      if (starters !== undefined && starters.length > 0) this.notify({ type: "starters", starters: [...starters] });
      if (onChatStart !== undefined) this.tasks.run("onChatStart", undefined, (ctx) => onChatStart(ctx));
      return;
    }
    const { id: threadId, name, steps } = thread;
    this.chosenIds.seed(steps.map((step) => step.id));
    this.transcript.seed(
      steps.flatMap((step) =>
        step.kind === "message"
          ? [{ id: step.id, role: step.role, author: step.author, content: step.content, createdAt: step.createdAt }]
          : [],
      ),
    );
    this.notify({ type: "thread_history", threadId, steps: [...steps], ...(name ? { name } : {}) });
    if (onChatResume !== undefined) this.tasks.run("onChatResume", undefined, (ctx) => onChatResume(ctx, thread));
    this.reopened = thread;
    if (this.durable !== undefined) this.#recovering = recoverTurns(recoveryHost(this), this.durable, thread);
  }

  /** The reopened thread's orphans being looked up and claimed (recoverTurns never rejects). */
  #recovering: Promise<void> | undefined;

  /** Settles once the reopened thread's orphans were looked up (those claimed queued as tasks) and every task has
   * run, or a task waits on an ask: when a headless session (lib/gateway/headless-session.ts) has nothing more to do. */
  async settled(): Promise<void> {
    await this.#recovering;
    while (this.asks.size === 0 && !(await settlesWithin(this.tasks.idle(), 250)));
  }

  receive(command: SessionCommand): void {
    try {
      receiveCommand(this, command);
    } catch (error) {
      // A command that cannot be done is the client's mistake, not a handler's failure: onError is not told.
      reportFailure(this, command.type, error, replyToOf(command));
    }
  }

  get mcpTransports(): readonly McpTransport[] | undefined {
    return mcpTransports(this.#mcpPolicy, this.hooks);
  }

  mcpDesk(): McpDesk<S> {
    this.#mcp ??= new McpDesk(this.#mcpPolicy, {
      sessionId: this.id,
      log: this.parts.log,
      events: this.events,
      hooks: () => this.hooks,
      ended: () => this.ended,
      emit: (frame) => this.emit(frame),
      notify: (frame) => this.notify(frame),
      booked: (book) => {
        (this.parts as { mcp?: LiveMcp }).mcp = book;
      },
    });
    return this.#mcp;
  }

  audioInput(): AudioInput<S> {
    const { maxAudioBytes, maxQueuedAudioBytes } = this.limits;
    this.#audio ??= new AudioInput(this, this.events, this.#source, maxAudioBytes, maxQueuedAudioBytes, this.output);
    return this.#audio;
  }

  saveConversation(): void {
    saveConversation(this);
  }

  push(content: string): void {
    this.events.run("push", undefined, async (ctx) => {
      await ctx.send(content);
    });
  }

  canResume(lastSeq: number): boolean {
    return this.#resumable.canResume(lastSeq);
  }

  attach(sink: FrameSink, lastSeq: number): void {
    this.#resumable.attach(sink, lastSeq);
  }

  disconnect(sink: FrameSink, done: boolean): void {
    this.#resumable.disconnect(sink, done);
  }

  /** Saved when the connection drops, not only when the session ends: a server killed during the grace period
   * keeps the state. */
  onDetached(): void {
    this.saveConversation();
  }

  /**
   * Sends a frame through the outbox (and to the stored thread). Resolves once it is queued under the
   * flow-control limit. Throws SESSION_CLOSED once the session is over: a handler that ignored its signal learns
   * that nobody is listening, instead of filling a buffer that nobody will ever read.
   */
  emit(frame: OutgoingFrame): undefined | Promise<void> {
    if (this.#closed) throw new ChatwireError("SESSION_CLOSED", `the session has ended: ${frame.type} was not sent`);
    this.#traces?.record(frame);
    this.link?.record(frame);
    this.transcript.record(frame);
    if (this.viewers !== undefined && isFollowed(frame)) this.viewers.publish(this.threadId, this, frame);
    return this.outbox.push(frame);
  }

  /** A frame of a turn another session on this thread runs: shown, numbered like the session's own, never stored
   * nor added to this session's history (the running session stores it). */
  follow(frame: FollowedFrame): void {
    if (this.#closed) return;
    void this.outbox.push({ type: "follow", frame });
  }

  notify(frame: OutgoingFrame): void {
    if (frame.type === "task_start") this.usage.turnStarted(); // a turn is a task: its token sums start at 0
    if (!this.#closed) void this.emit(frame);
  }

  emitError(code: ErrorCode, message: string, replyTo?: string, field?: string): void {
    const frame: OutgoingFrame = { type: "error", code, message };
    if (replyTo !== undefined) frame.replyTo = replyTo;
    if (field !== undefined) frame.field = field;
    this.notify(frame);
  }

  announce(frame: Announcement): void {
    this.notify(frame);
  }

  reportError(code: ErrorCode, message: string, replyTo?: string, field?: string): void {
    this.emitError(code, message, replyTo, field);
  }

  taskFailed(error: unknown): void {
    this.#traces?.taskFailed(error);
  }

  fail(hook: string, error: unknown, replyTo: string | undefined, signal: AbortSignal | undefined): void {
    if (signal !== undefined && isAbortOf(error, signal)) return;
    reportFailure(this, hook, error, replyTo);
    tellApp(this, hook, error);
  }

  snapshotState(): Record<string, unknown> {
    return this.parts.state.snapshot() as Record<string, unknown>;
  }

  end(kind: AbortKind): Promise<void> {
    this.#ended ??= this.#finish(kind);
    // After the ask_end frames of the cancelled asks: the client is told to reconnect elsewhere, and what
    // onChatEnd sends from now on is only stored.
    if (kind === "shutdown") this.#resumable.sayGoing();
    return this.#ended;
  }

  async #finish(kind: AbortKind): Promise<void> {
    this.#resumable.stopWaiting();
    const reason = new TaskAborted(kind);
    this.tasks.clear();
    this.events.clear();
    this.tasks.abort(reason);
    this.events.abort(reason);
    this.asks.cancelAll(reason);
    const grace = this.limits.endGraceMs;
    const log = this.parts.log;
    if (!(await settlesWithin(Promise.all([this.tasks.idle(), this.events.idle()]), grace))) {
      log.warn({ sessionId: this.id }, `handlers still running ${grace} ms after the session ended`);
    }
    try {
      const onChatEnd = this.hooks.onChatEnd;
      // onChatEnd gets the same bound: a hanging one must not keep the session (and shutdown) alive for ever.
      if (onChatEnd !== undefined && !(await settlesWithin(onChatEnd(this.events.context), grace))) {
        log.warn({ sessionId: this.id, hook: "onChatEnd" }, `onChatEnd still running after ${grace} ms`);
      }
    } catch (error) {
      log.error({ err: error, sessionId: this.id, hook: "onChatEnd" }, "onChatEnd failed");
      tellApp(this, "onChatEnd", error);
    } finally {
      this.tasks.cutStreams(); // a handler still running past the grace: its partial answer is stored, ended
      if (this.#mcp !== undefined) await settlesWithin(this.#mcp.closeAll(), grace);
      this.saveConversation();
      await this.link?.flush().catch((error: unknown) => log.error({ err: error }, "session store not saved"));
      await this.tasks.acknowledged();
      // Without persistence the conversation ends here, and its files with it.
      if (this.link === undefined) {
        await this.files?.store.deleteThreadFiles(this.threadId).catch((error: unknown) => {
          log.warn({ err: error, sessionId: this.id }, "files of an unstored conversation were not deleted");
        });
      }
      this.viewers?.leave(this.threadId, this);
      this.outbox.close();
      this.#closed = true;
      this.#traces?.close();
      this.#registry?.delete(this);
    }
  }
}
