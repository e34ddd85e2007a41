// Which flush hears of which lost write. A flush vouches for every write of its thread recorded before it was
// called (the gateway sends task_end or feedback_saved on it), so a loss goes to every flush already waiting whose
// writes include the lost one; a loss no waiting flush covers goes to the next flush of its thread instead.

/** A lost write: its thread and its place in the queue's order (`seq`). */
export interface LostEntry {
  readonly threadId: string;
  readonly seq: number;
}

/** A flush waiting for the queue to reach `target`; `failure` is set if a write it covers was lost meanwhile. */
interface Waiting<F> {
  readonly threadId: string | undefined;
  readonly target: number;
  failure: F | undefined;
}

/** The losses of one recorder, as its flushes will hear of them. `F` is the failure a flush rejects with. */
export class LossLedger<F> {
  /** Waiting flushes by thread; `undefined` holds the flushes of every thread. */
  readonly #waiting = new Map<string | undefined, Set<Waiting<F>>>();
  /** Losses no flush has heard of yet, by thread: the next flush of that thread does. */
  readonly #unheard = new Map<string, F>();

  /** Records `failure` for each lost write. */
  lose(failure: F, entries: readonly LostEntry[]): void {
    for (const { threadId, seq } of entries) {
      let heard = false;
      for (const waiting of this.#waiting.get(threadId) ?? []) {
        if (waiting.target < seq) continue;
        waiting.failure ??= failure;
        heard = true;
      }
      for (const waiting of this.#waiting.get(undefined) ?? []) if (waiting.target >= seq) waiting.failure ??= failure;
      if (!heard && !this.#unheard.has(threadId)) this.#unheard.set(threadId, failure);
    }
  }

  /** A flush of `threadId` (of every thread without one) starts waiting for `target`; it hears of earlier losses
   * no flush has heard of. */
  wait(threadId: string | undefined, target: number): Waiting<F> {
    let failure: F | undefined;
    if (threadId === undefined) {
      failure = this.#unheard.values().next().value;
      this.#unheard.clear();
    } else {
      failure = this.#unheard.get(threadId);
      this.#unheard.delete(threadId);
    }
    const waiting: Waiting<F> = { threadId, target, failure };
    const set = this.#waiting.get(threadId) ?? new Set();
    set.add(waiting);
    this.#waiting.set(threadId, set);
    return waiting;
  }

  /** The flush is over: its failure, if a write it covers was lost. */
  done(waiting: Waiting<F>): F | undefined {
    const set = this.#waiting.get(waiting.threadId);
    set?.delete(waiting);
    if (set?.size === 0) this.#waiting.delete(waiting.threadId);
    return waiting.failure;
  }
}
