// The gateway's live sessions by id (connected or waiting for a resume), so a reconnect can find its session.
import type { Session } from "../session/session.ts";

/** Live sessions of one gateway. */
export class SessionRegistry<S extends object> {
  readonly #sessions = new Map<string, Session<S>>();
  readonly #perUser = new Map<string, number>();

  add(session: Session<S>): void {
    this.#sessions.set(session.id, session);
    const user = session.context.user?.identifier;
    if (user !== undefined) this.#perUser.set(user, (this.#perUser.get(user) ?? 0) + 1);
  }

  /** Live sessions of one user. */
  countFor(identifier: string): number {
    return this.#perUser.get(identifier) ?? 0;
  }

  get(id: string): Session<S> | undefined {
    return this.#sessions.get(id);
  }

  delete(session: Session<S>): void {
    if (this.#sessions.get(session.id) !== session) return;
    this.#sessions.delete(session.id);
    const user = session.context.user?.identifier;
    if (user === undefined) return;
    const left = (this.#perUser.get(user) ?? 1) - 1;
    if (left > 0) this.#perUser.set(user, left);
    else this.#perUser.delete(user);
  }

  get size(): number {
    return this.#sessions.size;
  }

  all(): Session<S>[] {
    return [...this.#sessions.values()];
  }
}
