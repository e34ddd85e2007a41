// Live followers of a thread on this node: every session on a thread (another tab of its owner, a read-only viewer
// of its share) gets the frames of the turns the others run, as `follow` frames in its own numbering. One hub per
// node; in a cluster a bridge (lib/cluster/thread-bridge.ts) carries the frames to the nodes that follow the thread.
import type { FollowedFrame, OutgoingFrame } from "../protocol/server.ts";

/** A socket's session following a thread. `follow` must not throw nor make the caller wait: the runner's own
 * stream never waits for a follower (each has its own bounded outbox). */
export interface ThreadFollower {
  follow(frame: FollowedFrame): void;
  /** The thread's share was closed: a read-only viewer of it goes (its owner's own sessions stay). */
  unshared?(): void;
}

/** Where frames go beyond this node (the cluster); told when this node starts and stops following a thread. */
export interface ThreadBridge {
  /** The first follower of `threadId` on this node joined (or is about to: the gateway may ask first). */
  watch(threadId: string): Promise<void>;
  /** The last follower of `threadId` on this node left. */
  unwatch(threadId: string): void;
  /** A frame produced here, for the other nodes that follow `threadId`. */
  forward(threadId: string, frame: FollowedFrame): void;
}

/** The frame types that others on the thread follow: the turn as it streams, nothing of one session's own (asks,
 * errors, settings, feedback, audio). */
const FOLLOWED: ReadonlySet<string> = new Set([
  "message_new",
  "message_update",
  "message_delete",
  "step",
  "stream_start",
  "stream_token",
  "stream_end",
  "step_token",
  "task_start",
  "task_end",
  "element",
  "remove_elements",
]);

/** Whether others on the thread follow this frame. */
export const isFollowed = (frame: OutgoingFrame): frame is FollowedFrame => FOLLOWED.has(frame.type);

/**
 * The followers of each thread on this node.
 * @example
 * const viewers = new ThreadViewers();
 * viewers.join("t1", follower);
 * viewers.publish("t1", runner, { type: "stream_token", id: "m1", token: "Hi" }); // follower.follow(frame)
 */
export class ThreadViewers {
  readonly #threads = new Map<string, Set<ThreadFollower>>();
  /** Set once, when the node joins a cluster. */
  bridge: ThreadBridge | undefined;

  join(threadId: string, follower: ThreadFollower): void {
    let followers = this.#threads.get(threadId);
    if (followers === undefined) {
      followers = new Set();
      this.#threads.set(threadId, followers);
      followers.add(follower);
      void this.bridge?.watch(threadId);
      return;
    }
    followers.add(follower);
  }

  leave(threadId: string, follower: ThreadFollower): void {
    const followers = this.#threads.get(threadId);
    if (followers?.delete(follower) !== true || followers.size > 0) return;
    this.#threads.delete(threadId);
    this.bridge?.unwatch(threadId);
  }

  /** Whether anyone on this node follows `threadId`. */
  follows(threadId: string): boolean {
    return this.#threads.has(threadId);
  }

  /** A frame `source` produced on `threadId`: to every other follower here, and to the other nodes. */
  publish(threadId: string, source: ThreadFollower, frame: FollowedFrame): void {
    const followers = this.#threads.get(threadId);
    if (followers !== undefined && followers.size > 1) {
      for (const follower of followers) if (follower !== source) follower.follow(frame);
    }
    this.bridge?.forward(threadId, frame);
  }

  /** The author stopped sharing `threadId`: its read-only viewers on this node are closed at once. */
  unshared(threadId: string): void {
    for (const follower of [...(this.#threads.get(threadId) ?? [])]) follower.unshared?.();
  }

  /** A frame another node produced on `threadId`: to every follower here. */
  deliver(threadId: string, frame: FollowedFrame): void {
    const followers = this.#threads.get(threadId);
    if (followers === undefined) return;
    for (const follower of followers) follower.follow(frame);
  }
}
