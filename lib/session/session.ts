// One chat session: its context parts, its two lanes (tasks; events), its abort signals and its frame counter.
import { nanoid } from "nanoid";
import { type AbortKind, TaskAborted } from "../context/abort.ts";
import { ActionBook } from "../context/actions.ts";
import { AskBook } from "../context/asks.ts";
import { type ChatContext, createContext } from "../context/context.ts";
import type { ContextInit } from "../context/init.ts";
import type { Logger } from "../context/logger.ts";
import { createSessionStore } from "../context/store.ts";
import { TaskSignal } from "../context/task-signal.ts";
import { ChatwireError, type ErrorCode } from "../errors.ts";
import type { HookTable } from "../hooks/table.ts";
import type { OutgoingFrame } from "../protocol/server.ts";
import type { User } from "../protocol/views.ts";
import { Lane, type LaneOwner } from "./lane.ts";
import { type FrameSink, Outbox, type OutboxEvents, type OutboxLimits } from "./outbox.ts";
import { ThreadIds } from "./thread-ids.ts";
import type { ThreadLink } from "./thread-link.ts";

/** Limits and defaults of a session. */
export interface SessionLimits extends OutboxLimits {
  /** How long a session whose connection dropped stays alive, waiting for the client to resume it. */
  readonly reconnectGraceMs: number;
  readonly maxQueuedTasks: number;
  readonly maxQueuedEvents: number;
  /** Asks that may wait for an answer at once; one more rejects with ASK_LIMIT. */
  readonly maxPendingAsks: number;
  /** Bytes of one recording; beyond it the recording is stopped with AUDIO_TOO_LARGE. */
  readonly maxAudioBytes: number;
  /** Approximate JSON bytes of the session store; a `set` beyond it throws STORE_FULL. */
  readonly maxStoreBytes: number;
  readonly askTimeoutMs: number;
  /** 0: tasks may run as long as they like. */
  readonly taskTimeoutMs: number;
  /** How long a closing session waits for running handlers before `onChatEnd`. */
  readonly endGraceMs: number;
}

/** What a session is made from. */
export interface SessionInit<S extends object> {
  readonly hooks: HookTable<S>;
  readonly limits: SessionLimits;
  readonly log: Logger;
  readonly user?: User | undefined;
  readonly chatProfile?: string | undefined;
  readonly initialState?: (() => Partial<S>) | undefined;
  /** The thread this session writes to; a new id when not given. */
  readonly threadId?: string | undefined;
  /** The session store restored from a reopened thread (instead of initialState). */
  readonly restoredState?: Partial<S> | undefined;
  /** Persistence of the conversation, when a data layer is configured. */
  readonly link?: ThreadLink | undefined;
  /** Told once, after onChatEnd, when the session is over. */
  readonly registry?: { delete(session: Session<S>): void } | undefined;
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

const now = () => new Date();

/**
 * A live chat session. The gateway feeds it frames; it runs hooks on its lanes. Its outbox and lanes report back
 * to it through methods, not closures: tens of thousands of idle sessions each pay for every closure they hold.
 */
export class Session<S extends object> implements OutboxEvents, LaneOwner {
  readonly id = nanoid();
  /** The secret a client shows to resume this session after a dropped connection. */
  readonly resumeToken = nanoid(32);
  readonly outbox: Outbox;
  readonly context: ContextInit<S>;
  readonly hooks: HookTable<S>;
  readonly log: Logger;
  /** The session-wide signal's controller: aborted when the session ends. Created when first needed. */
  #lifeController: AbortController | undefined;
  readonly #tasks: Lane;
  readonly #events: Lane;
  readonly limits: SessionLimits;
  #expiry: NodeJS.Timeout | undefined;
  readonly #registry: { delete(session: Session<S>): void } | undefined;
  #current: TaskSignal | undefined;
  #taskCount = 0;
  #eventContext: ChatContext<S> | undefined;
  #ended: Promise<void> | undefined;
  /** Set once the session has fully ended (after onChatEnd): later sends from handlers throw SESSION_CLOSED. */
  #closed = false;
  /** Settles when every finished task's task_end has been sent (after its writes were committed). */
  #acknowledged: Promise<unknown> = Promise.resolve();
  /** The recording in progress, if any. */
  audio: { mimeType: string; chunks: number; bytes: number } | undefined;
  readonly link: ThreadLink | undefined;
  /** Makes the ids of this thread's messages and steps, and recognises them. */
  readonly ids: ThreadIds;

  constructor(init: SessionInit<S>) {
    this.hooks = init.hooks;
    this.limits = init.limits;
    this.outbox = new Outbox(init.limits, this);
    this.#registry = init.registry;
    this.link = init.link;
    this.log = init.log;
    this.#tasks = new Lane(init.limits.maxQueuedTasks, this);
    this.#events = new Lane(init.limits.maxQueuedEvents, this);
    const threadId = init.threadId ?? nanoid();
    this.ids = new ThreadIds(threadId);
    this.context = {
      sessionId: this.id,
      threadId,
      user: init.user,
      chatProfile: init.chatProfile,
      store: createSessionStore<S>(init.restoredState ?? init.initialState?.(), init.limits.maxStoreBytes),
      log: init.log,
      emit: (frame) => this.emit(frame),
      renameAuthor: init.hooks.authorRename,
      asks: new AskBook(init.limits.maxPendingAsks),
      actions: new ActionBook(),
      newId: () => this.ids.next(),
      now,
      askTimeoutMs: init.limits.askTimeoutMs,
      thread: init.link,
    };
  }

  /** The outbox of a detached session overflowed: it cannot be resumed without a gap. */
  onOverflow(): void {
    void this.end("disconnect");
  }

  /** The client was closed as a slow consumer: keep the session, wait for a resume. */
  onSlowConsumer(): void {
    this.detach();
  }

  /** A lane job threw past its own catch (a bug, not a handler error: those become error frames). */
  jobFailed(error: unknown): void {
    this.log.error({ err: error, sessionId: this.id }, "a session job threw");
  }

  /** Whether `id` is a message (or step) of this conversation, this session's or an earlier one's. */
  hasMessage(id: string): boolean {
    return this.ids.owns(id);
  }

  /** The session-wide signal: aborted when the session ends. Event handlers get it. */
  get #life(): AbortController {
    this.#lifeController ??= new AbortController();
    return this.#lifeController;
  }

  /** The number of frames numbered so far (the last `seq`). */
  get seq(): number {
    return this.outbox.seq;
  }

  /** Connects a socket (a new connection or a resume) and replays what the client has not processed. */
  attach(sink: FrameSink, lastSeq: number): void {
    clearTimeout(this.#expiry);
    this.#expiry = undefined;
    this.outbox.attach(sink, lastSeq);
  }

  /** The connection dropped: keep running, hold frames, and end the session if nobody resumes it in time. */
  detach(): void {
    this.outbox.detach();
    if (this.ended) return;
    // Saved now, not only when the session ends: a server killed during the grace period keeps the store.
    this.link?.saveStore(this.context.store.snapshot() as Record<string, unknown>);
    clearTimeout(this.#expiry);
    this.#expiry = setTimeout(() => void this.end("disconnect"), this.limits.reconnectGraceMs);
  }

  get ended(): boolean {
    return this.#ended !== undefined;
  }

  /**
   * Sends a frame through the outbox. Resolves once it is queued under the flow-control limit. Throws
   * SESSION_CLOSED once the session is over: a handler that ignored its signal learns that nobody is listening,
   * instead of filling a buffer that nobody will ever read.
   */
  emit(frame: OutgoingFrame): undefined | Promise<void> {
    if (this.#closed) throw new ChatwireError("SESSION_CLOSED", `the session has ended: ${frame.type} was not sent`);
    this.link?.record(frame);
    return this.outbox.push(frame);
  }

  /** Sends an error frame about the frame `replyTo` (if it had an id). */
  emitError(code: ErrorCode, message: string, replyTo?: string, field?: string): void {
    const frame: OutgoingFrame = { type: "error", code, message };
    if (replyTo !== undefined) frame.replyTo = replyTo;
    if (field !== undefined) frame.field = field;
    this.#emitUnlessClosed(frame);
  }

  /** For the session's own frames (task_end, errors) that a handler outliving the session may still cause. */
  #emitUnlessClosed(frame: OutgoingFrame): void {
    if (!this.#closed) void this.emit(frame);
  }

  /** Queues `run` as the session's next task: task_start/end around it, its own abort signal, stoppable. */
  runTask(hook: string, replyTo: string | undefined, run: (ctx: ChatContext<S>) => unknown): void {
    const queued = this.#tasks.push(async () => {
      if (this.ended) return;
      const task = new TaskSignal();
      const timer =
        this.limits.taskTimeoutMs > 0
          ? setTimeout(() => task.abort(new TaskAborted("timeout")), this.limits.taskTimeoutMs)
          : undefined;
      this.#current = task;
      const taskId = `t${++this.#taskCount}`;
      this.emit({ type: "task_start", taskId });
      try {
        await run(createContext(this.context, task));
      } catch (error) {
        if (!task.aborted || error !== task.signal.reason) this.fail(hook, error, replyTo, undefined);
      } finally {
        clearTimeout(timer);
        this.#current = undefined;
        await this.#endTask(taskId);
      }
    });
    if (!queued) this.emitError("QUEUE_FULL", `${this.limits.maxQueuedTasks} tasks are already waiting`, replyTo);
  }

  /**
   * Sends task_end once the task's writes are committed: it is the client's acknowledgement that they are. The next
   * task does not wait for that commit, so a burst of turns shares one transaction (task_ends keep their order) —
   * unless the recorder's queue is filling up: then it does, and a fast client is slowed to the database's pace
   * instead of its writes being dropped.
   */
  async #endTask(taskId: string): Promise<void> {
    const link = this.link;
    if (link === undefined) {
      this.#emitUnlessClosed({ type: "task_end", taskId });
      return;
    }
    const acknowledged = Promise.all([this.#acknowledged, this.#persisted()]).then(() => {
      this.#emitUnlessClosed({ type: "task_end", taskId });
    });
    this.#acknowledged = acknowledged;
    if (link.congested) await acknowledged;
  }

  async #persisted(): Promise<void> {
    try {
      await this.link?.flush();
    } catch (error) {
      this.log.error({ err: error, sessionId: this.id }, "conversation not fully persisted");
      this.emitError("PERSISTENCE_FAILED", "part of this conversation could not be saved");
    }
  }

  /** Queues `run` on the event lane (audio, feedback, window messages): in order, with the session's signal. */
  runEvent(hook: string, replyTo: string | undefined, run: (ctx: ChatContext<S>) => unknown): void {
    const queued = this.#events.push(async () => {
      if (this.ended) return;
      try {
        await run(this.eventContext());
      } catch (error) {
        this.fail(hook, error, replyTo, this.#life.signal);
      }
    });
    if (!queued) this.emitError("QUEUE_FULL", `${this.limits.maxQueuedEvents} events are already waiting`, replyTo);
  }

  /** The context for event handlers (one per session; its signal ends with the session). */
  eventContext(): ChatContext<S> {
    this.#eventContext ??= createContext(this.context, this.#life.signal);
    return this.#eventContext;
  }

  /** Aborts the running task (reason `stop`) and calls onStop. The session and its queued tasks go on. */
  stop(): void {
    this.#current?.abort(new TaskAborted("stop"));
    const onStop = this.hooks.onStop;
    if (onStop === undefined) return;
    Promise.resolve()
      .then(() => onStop(this.eventContext()))
      .catch((error: unknown) => this.fail("onStop", error, undefined, this.#life.signal));
  }

  /** Turns a handler's failure into an error frame. An abort the handler was asked for is not a failure. */
  fail(hook: string, error: unknown, replyTo: string | undefined, signal: AbortSignal | undefined): void {
    if (signal?.aborted && error === signal.reason) return;
    if (error instanceof ChatwireError) {
      this.emitError(error.code, error.message, replyTo);
      return;
    }
    this.log.error({ err: error, sessionId: this.id, hook }, `${hook} failed`);
    this.emitError("HANDLER_FAILED", `${hook} failed`, replyTo);
  }

  /**
   * Ends the session once: aborts everything with `kind`, waits (bounded) for running handlers, then onChatEnd.
   * Later calls return the same promise.
   */
  end(kind: AbortKind): Promise<void> {
    this.#ended ??= this.#finish(kind);
    return this.#ended;
  }

  async #finish(kind: AbortKind): Promise<void> {
    clearTimeout(this.#expiry);
    const reason = new TaskAborted(kind);
    this.#tasks.clear();
    this.#events.clear();
    this.#current?.abort(reason);
    this.#life.abort(reason);
    this.context.asks.cancelAll(reason);
    const grace = this.limits.endGraceMs;
    if (!(await settlesWithin(Promise.all([this.#tasks.idle(), this.#events.idle()]), grace))) {
      this.log.warn({ sessionId: this.id }, `handlers still running ${grace} ms after the session ended`);
    }
    try {
      const onChatEnd = this.hooks.onChatEnd;
      // onChatEnd gets the same bound: a hanging one must not keep the session (and shutdown) alive for ever.
      if (onChatEnd !== undefined && !(await settlesWithin(onChatEnd(this.eventContext()), grace))) {
        this.log.warn({ sessionId: this.id, hook: "onChatEnd" }, `onChatEnd still running after ${grace} ms`);
      }
    } catch (error) {
      this.log.error({ err: error, sessionId: this.id, hook: "onChatEnd" }, "onChatEnd failed");
    } finally {
      this.link?.saveStore(this.context.store.snapshot() as Record<string, unknown>);
      await this.link?.flush().catch((error: unknown) => this.log.error({ err: error }, "session store not saved"));
      await this.#acknowledged;
      this.outbox.close();
      this.#closed = true;
      this.#registry?.delete(this);
    }
  }
}
