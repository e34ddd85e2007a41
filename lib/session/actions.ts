// The action buttons a session has on screen, by id: an `action_call` must name one the app sent, and the app must
// have a callback for its name.
import type { ActionOwner, LiveActions } from "../context/init.ts";
import { ChatwireError } from "../errors.ts";
import type { Action } from "../hooks/payloads.ts";
import type { ActionHook } from "../hooks/table.ts";

/** Live actions of one session. Bounded: the oldest are forgotten first. */
export class ActionBook implements LiveActions {
  // Created at the first action: most idle sessions never get one, and an empty Map is not free.
  #live: Map<string, { readonly action: Action; readonly owner: ActionOwner }> | undefined;
  readonly limit: number;

  constructor(limit = 1000) {
    this.limit = limit;
  }

  add(action: Action, owner: ActionOwner): void {
    this.#live ??= new Map();
    // An app-chosen id used again names the newer button from now on.
    this.#live.delete(action.id);
    this.#live.set(action.id, { action, owner });
    if (this.#live.size > this.limit) {
      const oldest = this.#live.keys().next().value;
      if (oldest !== undefined) this.#live.delete(oldest);
    }
  }

  get(id: string): Action | undefined {
    return this.#live?.get(id)?.action;
  }

  live(messageId?: string): { readonly action: Action; readonly owner: ActionOwner }[] {
    const all = [...(this.#live?.values() ?? [])];
    return messageId === undefined ? all : all.filter(({ action }) => action.messageId === messageId);
  }

  remove(id: string): void {
    this.#live?.delete(id);
  }
}

/** The pressed action and its callback; UNKNOWN_ACTION when the id is not live or its name has no callback. */
export function pressedAction<S extends object>(
  book: ActionBook,
  callbacks: ReadonlyMap<string, ActionHook<S>>,
  actionId: string,
): { readonly action: Action; readonly callback: ActionHook<S> } {
  const action = book.get(actionId);
  const callback = action === undefined ? undefined : callbacks.get(action.name);
  if (action === undefined || callback === undefined) {
    const what = action === undefined ? `no live action with id ${actionId}` : `no actionCallback for "${action.name}"`;
    throw new ChatwireError("UNKNOWN_ACTION", what);
  }
  return { action, callback };
}
