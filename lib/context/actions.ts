// The action buttons a session has on screen, by id: an `action_call` must name one the app sent.
import type { Action } from "../hooks/payloads.ts";

/** Live actions of one session. Bounded: the oldest are forgotten first. */
export class ActionBook {
  // Created at the first action: most idle sessions never get one, and an empty Map is not free.
  #live: Map<string, Action> | undefined;
  constructor(readonly limit = 1000) {}

  add(action: Action): void {
    this.#live ??= new Map();
    this.#live.set(action.id, action);
    if (this.#live.size > this.limit) {
      const oldest = this.#live.keys().next().value;
      if (oldest !== undefined) this.#live.delete(oldest);
    }
  }

  get(id: string): Action | undefined {
    return this.#live?.get(id);
  }

  remove(id: string): void {
    this.#live?.delete(id);
  }
}
