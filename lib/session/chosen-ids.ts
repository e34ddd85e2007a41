// The ids an app chose for its messages and steps: a second use within the thread is refused, not an overwrite.
import { ChatwireError } from "../errors.ts";

/** One thread's app-chosen ids, and the ids of its stored history (which a chosen id must not take either). */
export class ChosenIds {
  /** Made at the first id: most apps never choose one, and idle sessions each pay for an empty Set. */
  #taken: Set<string> | undefined;

  /** The ids of a reopened thread's stored messages and steps. */
  seed(ids: Iterable<string>): void {
    for (const id of ids) this.#add(id);
  }

  /** Takes `id`, or throws `DUPLICATE_ID` when it is taken or `inUse` (a live message or step has it). */
  claim(id: string, inUse: boolean): void {
    if (inUse || this.#taken?.has(id) === true) {
      throw new ChatwireError("DUPLICATE_ID", `the thread has a message or step with id "${id}" already`);
    }
    this.#add(id);
  }

  #add(id: string): void {
    this.#taken ??= new Set();
    this.#taken.add(id);
  }
}
