// The gateway's live sessions by id (connected or waiting for a resume), so a reconnect can find its session.
import { NodeTurns } from "../session/node-turns.ts";
import type { Session } from "../session/session.ts";
import { ThreadViewers } from "../session/thread-viewers.ts";

/** Told when a session is added or deleted (the cluster's directory). */
export interface RegistryObserver {
  added(session: Session): void;
  removed(session: Session): void;
}

/** A place on this node for a session being opened; `release()` gives it back (once the session is added, or
 * when none will be). Releasing twice is harmless. */
export interface NodePlace {
  release(): void;
}

/** Live sessions of one gateway. */
export class SessionRegistry {
  readonly #sessions = new Map<string, Session>();
  readonly #perUser = new Map<string, number>();
  /** Sessions being opened (their thread loading): counted against the node's limit before they exist. */
  #opening = 0;
  /** The turns running in these sessions, against `maxTurnsPerNode`. */
  readonly turns: NodeTurns;
  /** The followers of each thread on this node: its sessions and read-only viewers (session/thread-viewers.ts). */
  readonly viewers = new ThreadViewers();

  /** Set once, when the gateway joins a cluster. */
  observer: RegistryObserver | undefined;

  /** `maxTurns`: the gateway's `maxTurnsPerNode`. */
  constructor(maxTurns = Number.POSITIVE_INFINITY) {
    this.turns = new NodeTurns(maxTurns);
  }

  /** Adds a session; `reserved`: its user's place was taken by `reserve` already. */
  add(session: Session, reserved = false): void {
    this.#sessions.set(session.id, session);
    this.observer?.added(session);
    const user = session.user?.identifier;
    if (user !== undefined && !reserved) this.#perUser.set(user, this.countFor(user) + 1);
  }

  /**
   * Takes a place for a session of `identifier` that is still being opened, unless the user already holds `max`:
   * counting at the check, not when the session exists, so simultaneous hellos cannot all pass the limit.
   */
  reserve(identifier: string, max: number): boolean {
    const count = this.countFor(identifier);
    if (count >= max) return false;
    this.#perUser.set(identifier, count + 1);
    return true;
  }

  /**
   * Takes a place for one more session on this node, unless it holds `max` already (live sessions and places
   * taken): undefined when it is full. Counted at the check, as `reserve` is, so simultaneous opens cannot all pass.
   */
  placeOnNode(max: number): NodePlace | undefined {
    if (this.#sessions.size + this.#opening >= max) return undefined;
    this.#opening += 1;
    let held = true;
    return {
      release: () => {
        if (held) this.#opening -= 1;
        held = false;
      },
    };
  }

  /** Gives back a place taken by `reserve` that no session used. */
  release(identifier: string): void {
    const left = this.countFor(identifier) - 1;
    if (left > 0) this.#perUser.set(identifier, left);
    else this.#perUser.delete(identifier);
  }

  /** Live sessions of one user (and places reserved for sessions being opened). */
  countFor(identifier: string): number {
    return this.#perUser.get(identifier) ?? 0;
  }

  /** The user's oldest session that has no connection (waiting for a resume), or undefined. */
  oldestDetached(identifier: string): Session | undefined {
    for (const session of this.#sessions.values()) {
      if (session.user?.identifier === identifier && !session.attached && !session.ended) return session;
    }
    return undefined;
  }

  get(id: string): Session | undefined {
    return this.#sessions.get(id);
  }

  delete(session: Session): void {
    if (this.#sessions.get(session.id) !== session) return;
    this.#sessions.delete(session.id);
    this.observer?.removed(session);
    const user = session.user?.identifier;
    if (user !== undefined) this.release(user);
  }

  get size(): number {
    return this.#sessions.size;
  }

  /** The live session of a thread on this node, if any. */
  ofThread(threadId: string): Session | undefined {
    for (const session of this.#sessions.values()) {
      if (session.threadId === threadId && !session.ended && session.viewOnly !== true) return session;
    }
    return undefined;
  }

  all(): Session[] {
    return [...this.#sessions.values()];
  }
}
