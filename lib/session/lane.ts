// What both of a session's lanes are (lanes.ts, event-lane.ts): a bounded serial queue of plain job objects.
import type { ContextInit } from "../context/init.ts";
import type { ErrorCode } from "../errors.ts";
import type { OutgoingFrame } from "../protocol/server.ts";

/** What a lane needs of its session. Methods, not closures: tens of thousands of idle sessions pay for each. */
export interface LaneHost<S extends object> {
  /** The session-lived parts every context is built from. */
  readonly parts: ContextInit<S>;
  readonly ended: boolean;
  /** Sends one of chatwire's own frames (task_start, task_end, audio_state…); dropped once the session is closed. */
  notify(frame: OutgoingFrame): void;
  emitError(code: ErrorCode, message: string, replyTo?: string): void;
  /** Turns a handler's failure into an error frame; an abort the handler was asked for (`signal`) is none. */
  fail(hook: string, error: unknown, replyTo: string | undefined, signal: AbortSignal | undefined): void;
  /** The running task failed with `error` (its trace span says so; docs/integrations.md). */
  taskFailed(error: unknown): void;
}

/** A queued job of a lane: what it runs, and `dropped` told when the lane drops it unrun (the session ended first). */
export interface Job {
  dropped?(): void;
}

/** A bounded serial queue: jobs run one at a time, in the order they were pushed. Jobs are plain objects that the
 * lane runs (`execute`), not closures: a closure and its context per message are a measurable share of a round trip's
 * garbage (docs/performance.md). */
export abstract class Lane<S extends object, J extends Job> {
  readonly #jobs: J[] = [];
  /** The bytes each waiting job holds (what the client sent it), beside #jobs. */
  readonly #sizes: number[] = [];
  #bytes = 0;
  #running: Promise<void> | undefined;

  readonly limit: number;
  /** Bytes the waiting jobs may hold together: a count alone lets a few large frames pile up megabytes. */
  readonly maxBytes: number;
  protected readonly host: LaneHost<S>;

  constructor(limit: number, maxBytes: number, host: LaneHost<S>) {
    this.limit = limit;
    this.maxBytes = maxBytes;
    this.host = host;
  }

  /** Runs one job; its own failures are its to handle (a rejection is logged, and the lane goes on). */
  protected abstract execute(job: J): unknown;

  /** Queues a job holding `bytes`; the reason it was refused (not queued) when the lane is full by count or bytes. */
  protected push(job: J, bytes: number): string | undefined {
    if (this.#jobs.length >= this.limit) return `${this.limit}`;
    // One job is always let in: a frame within maxFrameBytes must be able to run, whatever the budget.
    if (this.#jobs.length > 0 && this.#bytes + bytes > this.maxBytes) return `${this.maxBytes} bytes of`;
    this.#jobs.push(job);
    this.#sizes.push(bytes);
    this.#bytes += bytes;
    this.#running ??= this.#drain();
    return undefined;
  }

  /** Drops every waiting job; the running one finishes. */
  clear(): void {
    for (const job of this.#jobs.splice(0)) job.dropped?.();
    this.#sizes.length = 0;
    this.#bytes = 0;
  }

  /** Resolves when no job is running or waiting. */
  idle(): Promise<void> {
    return this.#running ?? Promise.resolve();
  }

  async #drain(): Promise<void> {
    for (let job = this.#jobs.shift(); job !== undefined; job = this.#jobs.shift()) {
      this.#bytes -= this.#sizes.shift() ?? 0;
      // A rejection here would be unhandled (and stop the lane): the jobs' own catch blocks are the real handling.
      try {
        await this.execute(job);
      } catch (error) {
        this.host.parts.log.error({ err: error, sessionId: this.host.parts.sessionId }, "a session job threw");
      }
    }
    this.#running = undefined;
  }
}
