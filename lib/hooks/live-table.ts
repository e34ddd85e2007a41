// The table a running gateway reads: one sealed HookTable at a time, swapped whole (never edited) when
// `chatwire run --watch` reloads the app. Sessions read it at each use, so the next turn runs the new handlers while
// a running one finishes on the function it already called.
import type { HookTable } from "./table.ts";

/** Holds the current sealed table; `swap` replaces it atomically. */
export class LiveTable<S extends object> {
  #table: HookTable<S>;

  constructor(table: HookTable<S>) {
    this.#table = sealed(table);
  }

  /** authorRename of whichever table is current, for a session's whole life (one function per gateway). */
  readonly renameAuthor = (author: string): string | Promise<string> => this.#table.authorRename?.(author) ?? author;

  get table(): HookTable<S> {
    return this.#table;
  }

  /** Makes `next` the table every later lookup sees; returns the one it replaces. */
  swap(next: HookTable<S>): HookTable<S> {
    const previous = this.#table;
    this.#table = sealed(next);
    return previous;
  }
}

/** A session's hooks: a fixed sealed table, or a live one that a reload may swap. */
export type HookSource<S extends object> = HookTable<S> | LiveTable<S>;

/** The table `source` stands for right now. */
export const tableOf = <S extends object>(source: HookSource<S>): HookTable<S> =>
  source instanceof LiveTable ? source.table : source;

/** Only a frozen table serves: one built by hand (`{ ...app.seal(), onMessage }`) is frozen as a copy, so nothing
 * can change it under the sessions. */
const sealed = <S extends object>(table: HookTable<S>): HookTable<S> =>
  Object.isFrozen(table) ? table : Object.freeze({ ...table });
