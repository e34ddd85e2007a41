// The gateway's live sessions by id (connected or waiting for a resume), so a reconnect can find its session.
import type { Session } from "../session/session.ts";

/** Live sessions of one gateway. */
export class SessionRegistry<S extends object> {
  readonly #sessions = new Map<string, Session<S>>();

  add(session: Session<S>): void {
    this.#sessions.set(session.id, session);
  }

  get(id: string): Session<S> | undefined {
    return this.#sessions.get(id);
  }

  delete(session: Session<S>): void {
    if (this.#sessions.get(session.id) === session) this.#sessions.delete(session.id);
  }

  get size(): number {
    return this.#sessions.size;
  }

  all(): Session<S>[] {
    return [...this.#sessions.values()];
  }
}
