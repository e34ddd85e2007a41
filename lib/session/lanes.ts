// Where a session's conversational handlers run: the task lane, one task at a time between task_start and task_end,
// each with its own abort signal (the event lane beside it: event-lane.ts; what both are: lane.ts).
import { type AbortKind, isAbortOf, TaskAborted } from "../context/abort.ts";
import { type ChatContext, createContext } from "../context/context.ts";
import { DerivedInit } from "../context/derived-init.ts";
import type { PendingMessage } from "../context/incoming.ts";
import type { ContextInit } from "../context/init.ts";
import { ChatwireError, isChatwireError } from "../errors.ts";
import type { OutgoingFrame } from "../protocol/server.ts";
import type { StopReason } from "../protocol/views.ts";
import type { LaneTurn } from "./durable-turns.ts";
import { type Job, Lane, type LaneHost } from "./lane.ts";
import { NodeTurns } from "./node-turns.ts";
import { refusesSends, stopReasonOf } from "./open-streams.ts";
import { TaskSignal } from "./task-signal.ts";
import type { ThreadLink } from "./thread-link.ts";

/** A task's parts replace nothing of the session's unless its turn is durable: one object for all of them. */
const NO_OVERRIDES = Object.freeze({});

/**
 * The parts a task's context is built from, with its sends gated: once the task is stopped (or timed out), every
 * frame it sends is refused with the abort's TaskAborted (nothing reaches the client or the store), so a stop is
 * visible even to code that ignores the signal. `ask_end` still goes out: it closes an ask the abort cancelled.
 * A DerivedInit (the session's parts read through), not a copy of them per task.
 */
class GatedParts<S extends object> extends DerivedInit<S> {
  readonly #task: TaskSignal;
  readonly #emit: ContextInit<S>["emit"] | undefined;
  readonly #turn: LaneTurn | undefined;

  constructor(parts: ContextInit<S>, task: TaskSignal, turn?: LaneTurn) {
    // A durable turn's ids and steps come from its journal; a recovered one's frames continue what was shown.
    super(parts, turn === undefined ? NO_OVERRIDES : { newId: turn.journal.idsUnder(""), turn: turn.journal });
    this.#task = task;
    this.#emit = turn?.emitThrough?.(parts.emit);
    this.#turn = turn;
  }

  override emit(frame: OutgoingFrame): void | Promise<void> {
    const task = this.#task;
    const reason = task.reason;
    if (reason !== undefined && refusesSends(reason) && frame.type !== "ask_end") throw reason;
    // A turn another node may own now sends nothing more: not to its client, not to the store (turn-fence.ts).
    if (this.#turn?.fence?.taken === true) throw new ChatwireError("TURN_TAKEN_OVER", TAKEN_OVER);
    const emit = this.#emit;
    const sent = emit === undefined ? this.base.emit(frame) : emit(frame);
    task.observe(frame);
    return sent;
  }
}

/**
 * A task queued on the task lane: the hook it runs (named in error frames), the client's id it answers, its durable
 * turn, and what it runs. A user message's turn is one itself (user-messages.ts): no closure per message.
 */
export interface QueuedTask<S extends object> extends Job {
  readonly hook: string;
  readonly replyTo: string | undefined;
  readonly turn: LaneTurn | undefined;
  /** True when its turn comes and it is to be dropped unseen (a message the task before it took, under `steer`). */
  skip(): boolean;
  run(ctx: ChatContext<S>): unknown;
}

/** A task given as a function (onChatStart, an action callback, an edit…). */
class FunctionTask<S extends object> implements QueuedTask<S> {
  readonly hook: string;
  readonly replyTo: string | undefined;
  readonly turn: LaneTurn | undefined;
  readonly #run: (ctx: ChatContext<S>) => unknown;
  readonly #skip: (() => boolean) | undefined;

  constructor(
    hook: string,
    replyTo: string | undefined,
    run: (ctx: ChatContext<S>) => unknown,
    skip: (() => boolean) | undefined,
    turn: LaneTurn | undefined,
  ) {
    this.hook = hook;
    this.replyTo = replyTo;
    this.turn = turn;
    this.#run = run;
    this.#skip = skip;
  }

  skip(): boolean {
    return this.#skip?.() === true;
  }

  run(ctx: ChatContext<S>): unknown {
    return this.#run(ctx);
  }

  dropped(): void {
    this.turn?.dropped?.();
  }
}

/** Runs `task` as the active span's child (`spans.within`). */
function within<S extends object>(
  spans: NonNullable<ContextInit<S>["spans"]>,
  task: QueuedTask<S>,
  ctx: ChatContext<S>,
): unknown {
  return spans.within(undefined, (c) => task.run(c), ctx);
}

const TAKEN_OVER = "this reply may be continued by another server: reopen the thread to follow it";

/** The task lane: one task at a time, task_start/task_end around each, stoppable, optionally time-limited. */
export class TaskLane<S extends object> extends Lane<S, QueuedTask<S>> {
  #current: TaskSignal | undefined;
  /** The running task's job and timer, beside #current. */
  #queued: QueuedTask<S> | undefined;
  #timer: NodeJS.Timeout | undefined;
  /** What the running task's handler settling calls (`#settlers`): one pair per lane, not per task. */
  #onDone: (() => Promise<unknown> | undefined) | undefined;
  #onFailed: ((error: unknown) => Promise<unknown> | undefined) | undefined;
  #count = 0;
  /** Settles when every finished task's task_end has been sent (after its writes were committed). */
  #acknowledged: Promise<unknown> = Promise.resolve();

  private readonly timeoutMs: number;
  private readonly link: ThreadLink | undefined;
  /** Whether tasks may read the messages sent while they run (the `steer` policy). */
  private readonly steer: boolean;
  /** The node's running turns, shared with every session's task lane. */
  private readonly turns: NodeTurns;

  constructor(
    limit: number,
    maxBytes: number,
    host: LaneHost<S>,
    timeoutMs: number,
    link: ThreadLink | undefined,
    steer = false,
    turns = new NodeTurns(),
  ) {
    super(limit, maxBytes, host);
    this.timeoutMs = timeoutMs;
    this.link = link;
    this.steer = steer;
    this.turns = turns;
  }

  /** The running task's id; undefined between tasks. */
  get running(): string | undefined {
    return this.#current?.taskId;
  }

  /**
   * Queues `run` (holding `bytes` of the client's) as the next task: task_start/end around it, its own abort
   * signal, stoppable. A `skip` that says true when the job's turn comes drops it unseen (a message the task before
   * it took, under `steer`). False when the lane was full: the client got QUEUE_FULL.
   */
  run(
    hook: string,
    replyTo: string | undefined,
    run: (ctx: ChatContext<S>) => unknown,
    bytes = 0,
    skip?: () => boolean,
    turn?: LaneTurn,
  ): boolean {
    return this.queue(new FunctionTask(hook, replyTo, run, skip, turn), bytes);
  }

  /** `run` for a task that is an object of its own (a user message's turn): nothing more is made to queue it. */
  queue(task: QueuedTask<S>, bytes = 0): boolean {
    const full = this.push(task, bytes);
    if (full !== undefined) {
      this.host.emitError("QUEUE_FULL", `${full} tasks are already waiting`, task.replyTo);
      task.turn?.dropped?.();
    }
    return full === undefined;
  }

  /**
   * Starts a task: task_start, its context, its handler; the rest when the handler settles (`#settle`). Not
   * one async function around it all: its suspended frame (every local of this method) was the largest share of a
   * round trip's garbage left (docs/performance.md).
   */
  protected execute(queued: QueuedTask<S>): Promise<unknown> | undefined {
    const host = this.host;
    const { replyTo, turn } = queued;
    if (host.ended || queued.skip()) {
      turn?.dropped?.();
      return undefined;
    }
    // Checked when the turn would start, not when it was queued: only running turns hold the node's places.
    if (!this.turns.begin(replyTo === undefined)) {
      const max = this.turns.max;
      host.emitError("SERVER_BUSY", `this server runs ${max} turns at once: send it again later`, replyTo);
      turn?.dropped?.();
      return undefined;
    }
    const task = new TaskSignal(`t${++this.#count}`, this.steer);
    // No closure in this method (they are in the helpers): one would make V8 allocate its scope for every task.
    this.#timer = this.timeoutMs > 0 ? this.#timeLimit(task) : undefined;
    this.#current = task;
    this.#queued = queued;
    host.notify({ type: "task_start", taskId: task.taskId });
    const fence = turn?.fence;
    if (fence !== undefined) this.#watch(fence, task, replyTo);
    let result: unknown;
    try {
      const ctx = createContext(new GatedParts(host.parts, task, turn), task);
      // The task's span is the active trace context while the handler runs: spans it starts are its children.
      const spans = host.parts.spans;
      result = spans === undefined ? queued.run(ctx) : within(spans, queued, ctx);
    } catch (error) {
      return this.#settle(error, true);
    }
    // Awaited as the job always did (one tick, a thenable adopted), by the lane's two handlers: an async function
    // here cost ~430 more bytes per round trip (its frame and await), measured (docs/performance.md).
    if (this.#onDone === undefined) this.#settlers();
    return Promise.resolve(result).then(this.#onDone, this.#onFailed);
  }

  /** Makes the lane's two settle handlers, once: closures over the lane alone (made in `execute`, they would keep
   * its first task's scope alive for as long as the session). */
  #settlers(): void {
    this.#onDone = () => this.#settle(undefined, false);
    this.#onFailed = (error: unknown) => this.#settle(error, true);
  }

  #timeLimit(task: TaskSignal): NodeJS.Timeout {
    return setTimeout(() => this.#abort(task, new TaskAborted("timeout")), this.timeoutMs);
  }

  /** Told at once, not at the handler's next send: the client can reopen the thread where the turn goes on. What the
   * turn streamed since its last write is not written: the answer is the new owner's to store. */
  #watch(fence: NonNullable<LaneTurn["fence"]>, task: TaskSignal, replyTo: string | undefined): void {
    fence.onTaken(() => {
      this.link?.forgetStreams(task.openStreams());
      this.host.emitError("TURN_TAKEN_OVER", TAKEN_OVER, replyTo);
      // The handler stops too, not only at its next send: a long model call it awaits is aborted now.
      task.abort(new TaskAborted("taken_over"));
    });
  }

  /** The running task's handler returned (or `threw` `error`): its failure reported, its turn and streams ended,
   * task_end sent (a promise of it only when the recorder is congested: the next task waits for it). */
  #settle(error: unknown, threw: boolean): Promise<unknown> | undefined {
    const host = this.host;
    const task = this.#current as TaskSignal;
    const { hook, replyTo, turn } = this.#queued as QueuedTask<S>;
    let failed = false;
    try {
      // Whatever the task's own abort caused (its reason, a TaskAborted, an AbortError wrapping it) ends it quietly;
      // so does a turn taken away (its client was told, and its partial answer is no longer this node's to store).
      const taken = threw && turn?.fence?.taken === true && isChatwireError(error, "TURN_TAKEN_OVER");
      if (threw && !taken && !(task.aborted && isAbortOf(error, task.signal))) {
        if (!task.aborted) this.#cut(task, "error"); // the partial answer stays, ended, before the error frame
        failed = true;
        host.taskFailed(error);
        host.fail(hook, error, replyTo, undefined);
      }
    } finally {
      // Recorded before #end's flush: the turn's end commits with its last frames.
      const aborted = task.reason;
      turn?.ended(
        failed
          ? { state: "failed", reason: "error" }
          : aborted === undefined
            ? { state: "done" }
            : { state: "stopped", reason: stopReasonOf(aborted.kind) },
      );
      this.turns.end();
      clearTimeout(this.#timer);
      this.#timer = undefined;
      // An abort that does not silence the task (shutdown, disconnect) lets it stream until it returns: cut now.
      if (task.reason !== undefined && turn?.fence?.taken !== true) this.#cut(task, stopReasonOf(task.reason.kind));
      task.incoming.close(); // what it did not read runs as turns of their own, already queued
      this.#current = undefined;
      this.#queued = undefined;
    }
    return this.#end(task.taskId, replyTo, task.aborted);
  }

  /** Offers a message sent mid-reply to the running task (`steer`); false when no task runs or it takes none. */
  offer(message: PendingMessage): boolean {
    return this.#current?.incoming.offer(message) ?? false;
  }

  /** Aborts the running task, if any (`stop` goes on with the next task; the session's end clears them first). */
  abort(kind: AbortKind | TaskAborted): void {
    const task = this.#current;
    if (task !== undefined) this.#abort(task, kind instanceof TaskAborted ? kind : new TaskAborted(kind));
  }

  /** Ends the running task's open streams for its abort's reason (a session ending while a handler hangs). */
  cutStreams(): void {
    const task = this.#current;
    if (task?.reason !== undefined) this.#cut(task, stopReasonOf(task.reason.kind));
  }

  /** Aborts `task`; one that can send no more has its streams ended at once, so the client sees the stop now. */
  #abort(task: TaskSignal, reason: TaskAborted): void {
    task.abort(reason);
    const first = task.reason;
    if (first !== undefined && refusesSends(first)) this.#cut(task, stopReasonOf(first.kind));
  }

  /** Sends (and so stores) the end of each of the task's open streams, with what was streamed and `reason`. */
  #cut(task: TaskSignal, reason: StopReason): void {
    for (const end of task.cut(reason)) this.host.notify(end);
  }

  /** Settles once every finished task's task_end is sent. */
  acknowledged(): Promise<unknown> {
    return this.#acknowledged;
  }

  /**
   * Sends task_end once the task's writes are committed: it is the client's acknowledgement that they are. The next
   * task does not wait for that commit, so a burst of turns shares one transaction (task_ends keep their order) —
   * unless the recorder's queue is filling up: then it does, and a fast client is slowed to the database's pace
   * instead of its writes being dropped.
   */
  #end(taskId: string, replyTo: string | undefined, aborted: boolean): Promise<unknown> | undefined {
    const link = this.link;
    const end: OutgoingFrame = aborted ? { type: "task_end", taskId, aborted } : { type: "task_end", taskId };
    if (link === undefined) {
      this.host.notify(end);
      return undefined;
    }
    const stored = link.flush().then(
      () => true,
      (error: unknown) => {
        const { log, sessionId } = this.host.parts;
        log.error({ err: error, sessionId }, "conversation not fully persisted");
        return false;
      },
    );
    // The error goes out just before its own task_end, never before an earlier task's, so a client can tell which
    // task was not stored.
    const acknowledged = Promise.all([this.#acknowledged, stored]).then(([, ok]) => {
      if (!ok) this.host.emitError("PERSISTENCE_FAILED", "part of this conversation could not be saved", replyTo);
      this.host.notify(end);
    });
    this.#acknowledged = acknowledged;
    return link.congested ? acknowledged : undefined;
  }
}
