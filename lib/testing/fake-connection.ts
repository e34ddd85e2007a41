// The client's end of a fake context: what it has received, over a connection a test can drop and restore. As in a
// real session, a handler's sends do not fail while the connection is gone: they are held and replayed, in order,
// when the client comes back.
import type { OutgoingFrame } from "../protocol/server.ts";

/** A fake client connection: delivers frames while connected, holds them while dropped. */
export class FakeConnection {
  /** Every frame the client has received, in order. */
  readonly received: OutgoingFrame[] = [];
  /** Frames sent while dropped; undefined while connected. */
  #held: OutgoingFrame[] | undefined;

  get connected(): boolean {
    return this.#held === undefined;
  }

  /** A frame the handler sent: received now, or held until the reconnect. */
  deliver(frame: OutgoingFrame): void {
    if (this.#held === undefined) this.received.push(frame);
    else this.#held.push(frame);
  }

  /** The connection drops: frames from now on are held. Dropping twice is one drop. */
  drop(): void {
    this.#held ??= [];
  }

  /** The client is back: the held frames are received, in order, and returned (none when it never dropped). */
  reconnect(): OutgoingFrame[] {
    const held = this.#held ?? [];
    this.#held = undefined;
    this.received.push(...held);
    return held;
  }
}
