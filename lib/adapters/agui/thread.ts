// One AG-UI thread: a chatwire session that its runs attach to in turn. A run sends its session the newest user
// message (or the answers to its interrupts) and streams what comes back until the session has no task left, or
// a task waits on an ask (the run ends with an interrupt; the next run's `resume` answers it). Between runs the
// session is detached, as a WebSocket client that dropped: it keeps its state for `reconnectGraceMs`, and the
// next run gets whatever was sent meanwhile.
import type { ServerResponse } from "node:http";
import { EventType, type Interrupt, type RunFinishedOutcome } from "@ag-ui/core";
import type { LoadedThread } from "../../data/layer.ts";
import type { ErrorCode } from "../../errors.ts";
import type { ServerFrame, ServerFrameOf } from "../../protocol/server.ts";
import type { Session } from "../../session/session.ts";
import { type AguiRunInput, textOf } from "./input.ts";
import { AguiRun, type RunHost } from "./run.ts";

/** Codes of a user message the session refused before it became a task: no task_end will follow it. */
const REFUSED: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  "QUEUE_FULL",
  "MESSAGE_TOO_LARGE",
  "MESSAGE_DROPPED",
  "SERVER_BUSY",
]);

/** The interrupt that stands for an ask: answer it with `{ content }` (text) or `{ actionId }` (action). */
function interruptOf(ask: ServerFrameOf<"ask">): Interrupt {
  return {
    id: ask.askId,
    reason: ask.kind === "text" ? "chatwire.ask_text" : "chatwire.ask_action",
    message: ask.message.content,
    expiresAt: new Date(Date.now() + ask.timeoutMs).toISOString(),
    metadata: { kind: ask.kind, actions: ask.message.actions },
  };
}

/** What a resume entry's payload answers: a string is the text, an object may carry `content` or `actionId`. */
function answerOf(payload: unknown): { content?: string; actionId?: string } {
  if (typeof payload === "string") return { content: payload };
  if (typeof payload !== "object" || payload === null) return {};
  const { content, actionId } = payload as { content?: unknown; actionId?: unknown };
  return {
    ...(typeof content === "string" ? { content } : {}),
    ...(typeof actionId === "string" ? { actionId } : {}),
  };
}

/** A thread's live session and the bookkeeping its runs share. */
export class AguiThread implements RunHost {
  readonly session: Session;
  /** The client's thread id (the stored thread may have another, for anonymous users). */
  readonly threadId: string;
  /** Tasks this thread queued whose task_end has not come yet. */
  #pendingTasks = 0;
  /** The last frame a run delivered: the next run attaches after it. */
  #lastSeq = 0;
  readonly #asks = new Map<string, ServerFrameOf<"ask">>();
  #run: AguiRun | undefined;
  /** Until the first run: how to open the conversation (a reopened thread's history, or a new one). */
  #start: { thread: LoadedThread | undefined; tasks: number } | undefined;
  /** The id of the last user message sent: a client sends the whole conversation each run. */
  #lastUserMessage: string | undefined;

  constructor(session: Session, threadId: string, start: { thread: LoadedThread | undefined; tasks: number }) {
    this.session = session;
    this.threadId = threadId;
    this.#start = start;
  }

  get busy(): boolean {
    return this.#run !== undefined;
  }

  /** Runs one AG-UI run on this thread, answering on `response`. */
  run(input: AguiRunInput, response: ServerResponse): void {
    const run = new AguiRun(this, response, input);
    this.#run = run;
    run.write({ type: EventType.RUN_STARTED, threadId: input.threadId, runId: input.runId });
    this.session.attach(run, this.#lastSeq);
    const start = this.#start;
    if (start !== undefined) {
      this.#start = undefined;
      this.#pendingTasks += start.tasks;
      this.session.start(start.thread);
    }
    for (const entry of input.resume ?? []) {
      if (!this.#asks.delete(entry.interruptId)) continue;
      // A cancelled interrupt gets no answer: the ask times out as it would in any client.
      if (entry.status === "resolved") {
        this.session.receive({ type: "ask_reply", askId: entry.interruptId, ...answerOf(entry.payload) });
      }
    }
    const last = input.messages.at(-1);
    if (last !== undefined && last.role === "user" && last.id !== this.#lastUserMessage) {
      this.#lastUserMessage = last.id;
      run.messageId = last.id.slice(0, 64);
      this.#pendingTasks++;
      this.session.receive({ type: "user_message", id: run.messageId, content: textOf(last) });
    }
    run.armed = true;
    this.#settle(run);
  }

  frame(run: AguiRun, frame: ServerFrame): void {
    if (frame.seq > 0) this.#lastSeq = frame.seq;
    switch (frame.type) {
      case "task_start":
        return;
      case "task_end":
        this.#pendingTasks = Math.max(0, this.#pendingTasks - 1);
        this.#settle(run);
        return;
      case "ask":
        this.#asks.set(frame.askId, frame);
        run.events.frame({ type: "message_new", message: frame.message });
        this.#settle(run);
        return;
      case "ask_end":
        this.#asks.delete(frame.askId);
        run.events.custom(frame);
        return;
      case "error":
        if (frame.replyTo !== undefined && frame.replyTo === run.messageId) {
          // The run ends with the error once its task has ended (a refused message never had one).
          run.error = { message: frame.message, code: frame.code };
          if (REFUSED.has(frame.code)) this.#pendingTasks = Math.max(0, this.#pendingTasks - 1);
          this.#settle(run);
        } else {
          run.events.custom({ ...frame });
        }
        return;
      case "shutdown":
        this.#end(run, { message: frame.reason, code: "GOING_AWAY" });
        return;
      case "welcome":
      case "resume_failed":
        return;
      default:
        run.events.frame(frame);
    }
  }

  closed(run: AguiRun, code: number, reason: string): void {
    this.#end(run, { message: reason, code: String(code) });
  }

  aborted(run: AguiRun): void {
    // The client stopped the run: the task's signal aborts with reason `stop`, as a `stop` frame would.
    this.session.receive({ type: "stop" });
    this.#detach(run);
  }

  /** Ends the run once its input went in and the session is idle, or a task waits on an ask. */
  #settle(run: AguiRun): void {
    if (!run.armed || run.finished) return;
    if (this.#pendingTasks === 0) {
      this.#end(run, run.error ?? { type: "success" });
    } else if (this.#asks.size > 0) {
      this.#end(run, { type: "interrupt", interrupts: [...this.#asks.values()].map(interruptOf) });
    }
  }

  #end(run: AguiRun, outcome: RunFinishedOutcome | { message: string; code: string }): void {
    if (run.finished) return;
    run.events.closeAll();
    const { threadId, runId } = run.input;
    if ("message" in outcome) {
      run.write({ type: EventType.RUN_ERROR, message: outcome.message, code: outcome.code });
    } else {
      run.write({ type: EventType.STATE_SNAPSHOT, snapshot: this.session.snapshotState() });
      run.write({ type: EventType.RUN_FINISHED, threadId, runId, outcome });
    }
    this.#detach(run);
  }

  /** The run is over: its stream ends, and the session is detached once the frame being sent has gone. */
  #detach(run: AguiRun): void {
    run.finish();
    if (this.#run === run) this.#run = undefined;
    const seq = this.#lastSeq;
    queueMicrotask(() => {
      this.session.receive({ type: "ack", seq });
      this.session.disconnect(run, false);
    });
  }
}
