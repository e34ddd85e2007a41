// One chat session: what each command means. It composes its parts — the two lanes, the outbox, the asks and
// action buttons, audio input, feedback, the thread link — each with its own state, and shows the layers above only
// the `Session` interface (session.ts).
import { nanoid } from "nanoid";
import { type AbortKind, TaskAborted } from "../context/abort.ts";
import type { ContextInit } from "../context/init.ts";
import { createStateStore } from "../context/state.ts";
import type { LoadedThread } from "../data/layer.ts";
import { ChatwireError, type ErrorCode } from "../errors.ts";
import { type HookSource, LiveTable, tableOf } from "../hooks/live-table.ts";
import type { HookTable } from "../hooks/table.ts";
import type { OutgoingFrame, ServerFrameOf } from "../protocol/server.ts";
import type { User } from "../protocol/views.ts";
import { ActionBook, pressedAction } from "./actions.ts";
import { AskBook } from "./asks.ts";
import { AudioInput } from "./audio.ts";
import type { SessionCommand } from "./commands.ts";
import { receiveFeedback } from "./feedback.ts";
import { EventLane, type LaneHost, TaskLane } from "./lanes.ts";
import { Outbox, type OutboxEvents } from "./outbox.ts";
import type { Announcement, Session, SessionInit, SessionLimits } from "./session.ts";
import { type FrameSink, GOING_AWAY, REPLACED } from "./sink.ts";
import { ThreadIds } from "./thread-ids.ts";
import type { ThreadLink } from "./thread-link.ts";

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

/** Whether `work` settles within `ms`; a rejection is rethrown, a late settlement is ignored. */
async function settlesWithin(work: unknown, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([Promise.resolve(work).then(() => true as const), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The client's id for a command, which errors about it carry as `replyTo`: an ask reply is known by its ask. */
function replyToOf(command: SessionCommand): string | undefined {
  if (command.type === "ask_reply") return command.askId;
  return "id" in command ? command.id : undefined;
}

const now = () => new Date();

/** The shutdown notice, sent before the sink of a session the server ends is closed. */
const going: ServerFrameOf<"shutdown"> = { seq: 0, type: "shutdown", reason: "server shutting down" };
const GOING = JSON.stringify(going);

/**
 * The session behind the `Session` interface. Its parts report back through its methods, not closures: tens of
 * thousands of idle sessions each pay for every closure they hold. Not exported: nothing outside session/ reaches
 * its parts.
 */
class LiveSession<S extends object> implements Session, LaneHost<S>, OutboxEvents {
  readonly id = nanoid();
  readonly resumeToken = nanoid(32);
  readonly parts: ContextInit<S>;
  readonly #hooks: HookSource<S>;
  readonly #limits: SessionLimits;
  readonly #outbox: Outbox;
  readonly #link: ThreadLink | undefined;
  /** Makes the ids of this thread's messages and steps, and recognises them. */
  readonly #ids: ThreadIds;
  readonly #asks: AskBook;
  readonly #actions = new ActionBook();
  readonly #tasks: TaskLane<S>;
  readonly #events: EventLane<S>;
  /** Made at the first audio command: most sessions never record. */
  #audio: AudioInput<S> | undefined;
  readonly #registry: SessionInit<S>["registry"];
  #expiry: NodeJS.Timeout | undefined;
  #ended: Promise<void> | undefined;
  /** Set once the session has fully ended (after onChatEnd): later sends from handlers throw SESSION_CLOSED. */
  #closed = false;

  constructor(init: SessionInit<S>) {
    const { limits } = init;
    this.#hooks = init.hooks;
    this.#limits = limits;
    this.#outbox = new Outbox(limits, this);
    this.#registry = init.registry;
    this.#link = init.link;
    this.#tasks = new TaskLane(limits.maxQueuedTasks, this, limits.taskTimeoutMs, init.link);
    this.#events = new EventLane(limits.maxQueuedEvents, this);
    this.#asks = new AskBook(limits.maxPendingAsks);
    const threadId = init.threadId ?? nanoid();
    this.#ids = new ThreadIds(threadId);
    this.parts = {
      sessionId: this.id,
      threadId,
      user: init.user,
      chatProfile: init.chatProfile,
      state: createStateStore<S>(init.restoredState ?? init.initialState?.(), limits.maxStoreBytes),
      log: init.log,
      emit: (frame) => this.emit(frame),
      renameAuthor: init.hooks instanceof LiveTable ? init.hooks.renameAuthor : init.hooks.authorRename,
      asks: this.#asks,
      actions: this.#actions,
      newId: () => this.#ids.next(),
      now,
      askTimeoutMs: limits.askTimeoutMs,
      thread: init.link,
    };
  }

  /** The hook table as it is now: a reload may have swapped it since the last turn. */
  get #table(): HookTable<S> {
    return tableOf(this.#hooks);
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
    return this.#outbox.seq;
  }
  get attached(): boolean {
    return this.#outbox.attached;
  }
  get ended(): boolean {
    return this.#ended !== undefined;
  }

  start(thread?: LoadedThread): void {
    const { onChatStart, onChatResume } = this.#table;
    if (thread === undefined) {
      if (onChatStart !== undefined) this.#tasks.run("onChatStart", undefined, (ctx) => onChatStart(ctx));
      return;
    }
    const { id: threadId, name, steps } = thread;
    this.notify({ type: "thread_history", threadId, steps: [...steps], ...(name ? { name } : {}) });
    if (onChatResume !== undefined) this.#tasks.run("onChatResume", undefined, (ctx) => onChatResume(ctx, thread));
  }

  receive(command: SessionCommand): void {
    try {
      this.#receive(command);
    } catch (error) {
      this.fail(command.type, error, replyToOf(command), undefined);
    }
  }

  /** One switch over every command; `satisfies never` makes tsc fail on a command nothing handles. */
  #receive(command: SessionCommand): void {
    switch (command.type) {
      case "user_message":
        this.#userMessage(command.id, command.content);
        return;
      case "action_call": {
        const { action, callback } = pressedAction(this.#actions, this.#table.actions, command.actionId);
        this.#tasks.run(`actionCallback("${action.name}")`, command.id, (ctx) => callback(ctx, action));
        return;
      }
      case "ask_reply":
        this.#asks.answer(command);
        return;
      case "stop": {
        this.#tasks.abort("stop");
        const onStop = this.#table.onStop;
        if (onStop !== undefined) this.#events.runAside("onStop", (ctx) => onStop(ctx));
        return;
      }
      case "feedback":
        receiveFeedback(
          { host: this, events: this.#events, ids: this.#ids, link: this.#link, onFeedback: this.#table.onFeedback },
          command,
        );
        return;
      case "window_message": {
        const { data } = command;
        this.#events.run("onWindowMessage", command.id, (ctx) => this.#table.onWindowMessage?.(ctx, data));
        return;
      }
      case "audio_start":
        this.#audioInput().start(command);
        return;
      case "audio_chunk":
        this.#audioInput().chunk(command);
        return;
      case "audio_end":
        this.#audioInput().end(command);
        return;
      case "ack":
        this.#outbox.ack(command.seq);
        return;
      default:
        throw new ChatwireError("UNKNOWN_FRAME", `no command ${JSON.stringify(command satisfies never)}`);
    }
  }

  /** A user message becomes a task. It is stored under the server's own id: a client's ids are only unique to
   * that client, and the steps of every thread share one key space. */
  #userMessage(clientId: string, content: string): void {
    const message = { id: this.#ids.next(), clientId, content, createdAt: now().toISOString() };
    this.#tasks.run("onMessage", clientId, (ctx) => {
      // Stored when its turn comes (not on arrival), so the stored order is the conversation's order and a flood
      // of queued messages cannot outgrow the recorder's queue.
      const user = this.parts.user;
      this.#link?.recordUserMessage({ ...message, author: user?.displayName ?? user?.identifier ?? "User" });
      return this.#table.onMessage?.(ctx, message);
    });
  }

  #audioInput(): AudioInput<S> {
    this.#audio ??= new AudioInput(this, this.#events, this.#hooks, this.#limits.maxAudioBytes);
    return this.#audio;
  }

  canResume(lastSeq: number): boolean {
    return this.#outbox.canResume(lastSeq);
  }

  attach(sink: FrameSink, lastSeq: number): void {
    clearTimeout(this.#expiry);
    this.#expiry = undefined;
    const replaced = this.#outbox.sink;
    if (replaced !== undefined && replaced !== sink) replaced.close(REPLACED, "replaced by a newer connection");
    this.#outbox.attach(sink, lastSeq);
  }

  disconnect(sink: FrameSink, done: boolean): void {
    // A session that another connection has taken over is not this connection's to end.
    if (this.#outbox.sink !== sink) return;
    if (done) void this.end("disconnect");
    else this.#detach();
  }

  /** The connection dropped: keep running, hold frames, and end the session if nobody resumes it in time. */
  #detach(): void {
    this.#outbox.detach();
    if (this.ended) return;
    // Saved now, not only when the session ends: a server killed during the grace period keeps the state.
    this.#link?.saveState(this.parts.state.snapshot() as Record<string, unknown>);
    clearTimeout(this.#expiry);
    this.#expiry = setTimeout(() => void this.end("disconnect"), this.#limits.reconnectGraceMs);
  }

  /** The outbox of a detached session overflowed: it cannot be resumed without a gap. */
  onOverflow(): void {
    void this.end("disconnect");
  }

  /** The client was closed as a slow consumer: keep the session, wait for a resume. */
  onSlowConsumer(): void {
    this.#detach();
  }

  /**
   * Sends a frame through the outbox (and to the stored thread). Resolves once it is queued under the
   * flow-control limit. Throws SESSION_CLOSED once the session is over: a handler that ignored its signal learns
   * that nobody is listening, instead of filling a buffer that nobody will ever read.
   */
  emit(frame: OutgoingFrame): undefined | Promise<void> {
    if (this.#closed) throw new ChatwireError("SESSION_CLOSED", `the session has ended: ${frame.type} was not sent`);
    this.#link?.record(frame);
    return this.#outbox.push(frame);
  }

  notify(frame: OutgoingFrame): void {
    if (!this.#closed) void this.emit(frame);
  }

  announce(frame: Announcement): void {
    this.notify(frame);
  }

  emitError(code: ErrorCode, message: string, replyTo?: string, field?: string): void {
    const frame: OutgoingFrame = { type: "error", code, message };
    if (replyTo !== undefined) frame.replyTo = replyTo;
    if (field !== undefined) frame.field = field;
    this.notify(frame);
  }

  reportError(code: ErrorCode, message: string, replyTo?: string, field?: string): void {
    this.emitError(code, message, replyTo, field);
  }

  fail(hook: string, error: unknown, replyTo: string | undefined, signal: AbortSignal | undefined): void {
    if (signal?.aborted && error === signal.reason) return;
    if (error instanceof ChatwireError) {
      this.emitError(error.code, error.message, replyTo);
      return;
    }
    this.parts.log.error({ err: error, sessionId: this.id, hook }, `${hook} failed`);
    this.emitError("HANDLER_FAILED", `${hook} failed`, replyTo);
  }

  end(kind: AbortKind): Promise<void> {
    this.#ended ??= this.#finish(kind);
    if (kind === "shutdown") {
      // After the ask_end frames of the cancelled asks: the client is told to reconnect elsewhere, and what
      // onChatEnd sends from now on is only stored.
      const sink = this.#outbox.sink;
      sink?.send(GOING);
      sink?.close(GOING_AWAY, "server shutting down");
    }
    return this.#ended;
  }

  async #finish(kind: AbortKind): Promise<void> {
    clearTimeout(this.#expiry);
    const reason = new TaskAborted(kind);
    this.#tasks.clear();
    this.#events.clear();
    this.#tasks.abort(reason);
    this.#events.abort(reason);
    this.#asks.cancelAll(reason);
    const grace = this.#limits.endGraceMs;
    const log = this.parts.log;
    if (!(await settlesWithin(Promise.all([this.#tasks.idle(), this.#events.idle()]), grace))) {
      log.warn({ sessionId: this.id }, `handlers still running ${grace} ms after the session ended`);
    }
    try {
      const onChatEnd = this.#table.onChatEnd;
      // onChatEnd gets the same bound: a hanging one must not keep the session (and shutdown) alive for ever.
      if (onChatEnd !== undefined && !(await settlesWithin(onChatEnd(this.#events.context), grace))) {
        log.warn({ sessionId: this.id, hook: "onChatEnd" }, `onChatEnd still running after ${grace} ms`);
      }
    } catch (error) {
      log.error({ err: error, sessionId: this.id, hook: "onChatEnd" }, "onChatEnd failed");
    } finally {
      this.#link?.saveState(this.parts.state.snapshot() as Record<string, unknown>);
      await this.#link?.flush().catch((error: unknown) => log.error({ err: error }, "session store not saved"));
      await this.#tasks.acknowledged();
      this.#outbox.close();
      this.#closed = true;
      this.#registry?.delete(this);
    }
  }
}
