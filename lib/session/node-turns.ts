// The turns running at once on one node, across its sessions: a node has so much CPU, memory and upstream quota,
// and a client's turn that finds them all taken is refused (SERVER_BUSY) rather than slowing every other turn.

/** Counts the node's running turns against `max`. One per gateway, shared by its sessions' task lanes. */
export class NodeTurns {
  #running = 0;
  readonly max: number;

  constructor(max = Number.POSITIVE_INFINITY) {
    this.max = max;
  }

  get running(): number {
    return this.#running;
  }

  /** Takes a place for a turn; false when `max` turns run already. A turn of chatwire's own (`always`: onChatStart,
   * onChatResume) takes one anyway: no client sent it, so no client could send it again. */
  begin(always = false): boolean {
    if (!always && this.#running >= this.max) return false;
    this.#running += 1;
    return true;
  }

  /** Gives back the place of a turn that has ended. */
  end(): void {
    this.#running -= 1;
  }
}
