// The event lane (docs/hooks.md): audio, feedback and window messages in arrival order, never behind a task, with the
// session's signal; and onStop, run aside at once.
import type { TaskAborted } from "../context/abort.ts";
import { createEventContext, type EventContext } from "../context/context.ts";
import { type Job, Lane } from "./lane.ts";

/** An event handler's run, queued on the event lane. */
interface EventJob<S extends object> extends Job {
  readonly hook: string;
  readonly replyTo: string | undefined;
  readonly run: (ctx: EventContext<S>) => unknown;
}

/** The event lane: audio, feedback and window messages in arrival order, beside the tasks, with the session's signal. */
export class EventLane<S extends object> extends Lane<S, EventJob<S>> {
  /** Aborted when the session ends. Made when first needed. */
  #life: AbortController | undefined;
  #context: EventContext<S> | undefined;

  get #controller(): AbortController {
    this.#life ??= new AbortController();
    return this.#life;
  }

  /** The session-wide signal: aborted when the session ends. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** The context of every event handler (one per session; its signal ends with the session). */
  get context(): EventContext<S> {
    this.#context ??= createEventContext(this.host.parts, this.signal);
    return this.#context;
  }

  /**
   * Queues `run` (holding `bytes` of the client's) on the lane; its failure becomes an error frame about `replyTo`.
   * False when the lane was full: the client got QUEUE_FULL and `run` will not run.
   */
  run(hook: string, replyTo: string | undefined, run: (ctx: EventContext<S>) => unknown, bytes = 0): boolean {
    const full = this.push({ hook, replyTo, run }, bytes);
    if (full !== undefined) this.host.emitError("QUEUE_FULL", `${full} events are already waiting`, replyTo);
    return full === undefined;
  }

  protected async execute({ hook, replyTo, run }: EventJob<S>): Promise<void> {
    if (this.host.ended) return;
    try {
      await run(this.context);
    } catch (error) {
      this.host.fail(hook, error, replyTo, this.signal);
    }
  }

  /** Runs `run` at once, on neither lane (onStop: it must not wait behind anything). */
  runAside(hook: string, run: (ctx: EventContext<S>) => unknown): void {
    Promise.resolve()
      .then(() => run(this.context))
      .catch((error: unknown) => this.host.fail(hook, error, undefined, this.signal));
  }

  /** The session ended: its signal aborts with `reason`. */
  abort(reason: TaskAborted): void {
    this.#controller.abort(reason);
  }
}
