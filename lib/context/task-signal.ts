// A task's abort signal, made only when a handler looks at it: most turns never do, and an AbortController per
// turn is measurable on the hot path.
import type { TaskAborted } from "./abort.ts";

/** Something that has (or makes) an AbortSignal. */
export interface SignalSource {
  readonly signal: AbortSignal;
}

/** The abort state of one task; `signal` is created on first access, already aborted if the task was. */
export class TaskSignal implements SignalSource {
  #controller: AbortController | undefined;
  #reason: TaskAborted | undefined;

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

  /** Aborts with `reason` (the first reason wins). */
  abort(reason: TaskAborted): void {
    if (this.#reason !== undefined) return;
    this.#reason = reason;
    this.#controller?.abort(reason);
  }
}
