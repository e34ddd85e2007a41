// The fencing of durable turns in a cluster (docs/durability.md#fencing): a node that other nodes may have taken for
// dead (its liveness lock's connection ended, its lease was found gone) or whose turn another node has claimed must
// not go on running that turn beside the new owner. Each turn this node runs has a fence; once the fence is down
// the turn's sends are refused with TURN_TAKEN_OVER, its client is told at once, and its end is not recorded (the
// record is the new owner's, or was let go for any node to recover).

/** One running turn's fence, as its task lane sees it. */
export interface TurnFence {
  /** Whether this node may no longer run the turn. */
  readonly taken: boolean;
  /** Calls `listener` once the fence is down (at once if it is already). */
  onTaken(listener: () => void): void;
}

/** A turn's fence, up until `take`. */
export class Fence implements TurnFence {
  #taken = false;
  #listeners: (() => void)[] = [];

  get taken(): boolean {
    return this.#taken;
  }

  onTaken(listener: () => void): void {
    if (this.#taken) listener();
    else this.#listeners.push(listener);
  }

  take(): void {
    if (this.#taken) return;
    this.#taken = true;
    const listeners = this.#listeners;
    this.#listeners = [];
    for (const listener of listeners) listener();
  }
}

/** The durable turns a node runs now, across its sessions: one per gateway. */
export class OwnedTurns {
  readonly #fences = new Map<string, Fence>();

  /** Fences turn `id` with `fence` while this node runs it; the function returned lets go of it once it ended. */
  enter(id: string, fence: Fence): () => void {
    this.#fences.set(id, fence);
    return () => {
      if (this.#fences.get(id) === fence) this.#fences.delete(id);
    };
  }

  /** The ids of the turns running here. */
  ids(): string[] {
    return [...this.#fences.keys()];
  }

  /** Takes turns `ids` (every one, when undefined) away from this node; returns the ids it took. */
  lose(ids?: readonly string[]): string[] {
    const lost = ids === undefined ? this.ids() : [...ids];
    for (const id of lost) {
      this.#fences.get(id)?.take();
      this.#fences.delete(id);
    }
    return lost;
  }
}
