// One task's abort state and what it is streaming: its signal (made on first access), the first reason it was
// aborted for, its open streams (cut with a reason when it is stopped), and its inbox of messages sent mid-reply.
import type { TaskAborted } from "../context/abort.ts";
import { Incoming } from "../context/incoming.ts";
import type { OutgoingFrame } from "../protocol/server.ts";
import type { StopReason } from "../protocol/views.ts";
import { OpenStreams } from "./open-streams.ts";

/** The inbox of every task that takes no messages mid-reply (any policy but `steer`): closed, shared. */
const NO_INCOMING = new Incoming(false);

/** The abort state of one task; `signal` is made on first access (an AbortController per turn is measurable). */
export class TaskSignal {
  #controller: AbortController | undefined;
  #reason: TaskAborted | undefined;
  /** What the task is streaming (made at its first stream): ended with a reason when it is cut. */
  #streams: OpenStreams | undefined;
  readonly taskId: string;
  /** The messages sent while it runs that it may read (`ctx.incoming()`): open only under the `steer` policy. */
  readonly incoming: Incoming;

  constructor(taskId: string, steer: boolean) {
    this.taskId = taskId;
    this.incoming = steer ? new Incoming(true) : NO_INCOMING;
  }

  /** Notes a frame the task sent; only a stream's frames concern its open streams. */
  observe(frame: OutgoingFrame): void {
    if (this.#streams === undefined) {
      if (frame.type !== "stream_start") return;
      this.#streams = new OpenStreams();
    }
    this.#streams.observe(frame);
  }

  /** The ids of the task's open streams. */
  openStreams(): string[] {
    return this.#streams?.ids() ?? [];
  }

  /** The stream_end of every open stream, cut for `reason` (see OpenStreams.cut). */
  cut(reason: StopReason): OutgoingFrame[] {
    return this.#streams?.cut(reason) ?? [];
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#reason !== undefined) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  get aborted(): boolean {
    return this.#reason !== undefined;
  }

  /** Why the task was aborted, once it was. */
  get reason(): TaskAborted | undefined {
    return this.#reason;
  }

  /** Aborts with `reason` (the first reason wins). */
  abort(reason: TaskAborted): void {
    if (this.#reason !== undefined) return;
    this.#reason = reason;
    this.#controller?.abort(reason);
  }
}
