// The ids an app chose for its messages and steps: a second use within the thread is refused, not an overwrite.
import { ChatwireError } from "../errors.ts";

/** One thread's app-chosen ids, and the ids of its stored history (which a chosen id must not take either). */
export class ChosenIds {
  readonly #taken = new Set<string>();

  /** The ids of a reopened thread's stored messages and steps. */
  seed(ids: Iterable<string>): void {
    for (const id of ids) this.#taken.add(id);
  }

  /** Takes `id`, or throws `DUPLICATE_ID` when it is taken or `inUse` (a live message or step has it). */
  claim(id: string, inUse: boolean): void {
    if (inUse || this.#taken.has(id)) {
      throw new ChatwireError("DUPLICATE_ID", `the thread has a message or step with id "${id}" already`);
    }
    this.#taken.add(id);
  }
}
