// Messages the user sends while a task runs, handed to that task under the `steer` policy (docs/hooks.md, "Messages
// sent mid-reply"). A message read here is the task's to answer and starts no turn of its own; one left unread when
// the task ends keeps its place as a turn (the session queued it on arrival, to be skipped if read).
import type { IncomingMessage } from "../hooks/payloads.ts";

/** A message waiting to be read: reading it makes it part of the conversation (stored, in `ctx.history()`). */
export type PendingMessage = () => Promise<IncomingMessage>;

/** One task's inbox of messages sent mid-reply. */
export class Incoming {
  readonly #waiting: PendingMessage[] = [];
  #open: boolean;
  /** Wakes a reader waiting in `messages()`. */
  #wake: (() => void) | undefined;

  /** `open: false` for a task that takes none (any policy but `steer`): reading it ends at once. */
  constructor(open: boolean) {
    this.#open = open;
  }

  /** Hands a message to the task; false once the task no longer takes any (it ended, or never did). */
  offer(message: PendingMessage): boolean {
    if (!this.#open) return false;
    this.#waiting.push(message);
    this.#wake?.();
    return true;
  }

  /** The task ended: no more messages come in; the ones never read run as their own turns. */
  close(): void {
    this.#open = false;
    this.#waiting.length = 0;
    this.#wake?.();
  }

  /** Reads every message that came in and was not read yet, without waiting: in arrival order. */
  async take(): Promise<IncomingMessage[]> {
    const read: IncomingMessage[] = [];
    // One at a time: each read stores its message, and the stored order must be the arrival order.
    for (let next = this.#waiting.shift(); next !== undefined; next = this.#waiting.shift()) read.push(await next());
    return read;
  }

  /** Yields each message as it comes in; ends when `signal` aborts or the inbox closes. */
  async *messages(signal: AbortSignal): AsyncGenerator<IncomingMessage, void, undefined> {
    while (!signal.aborted) {
      const next = this.#waiting.shift();
      if (next !== undefined) {
        yield await next();
        continue;
      }
      if (!this.#open) return;
      await new Promise<void>((resolve) => {
        const done = () => {
          signal.removeEventListener("abort", done);
          this.#wake = undefined;
          resolve();
        };
        this.#wake = done;
        signal.addEventListener("abort", done, { once: true });
      });
    }
  }
}

/** The inbox of a task that takes no messages mid-reply: reading it ends at once. */
export const noIncoming = (): Incoming => new Incoming(false);
