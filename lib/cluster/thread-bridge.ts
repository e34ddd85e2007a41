// Followers of a thread on other nodes (docs/deployment.md, "Following a thread across nodes"). A node whose first
// session on a thread starts asks the nodes holding sessions of it (the directory) to send it the thread's frames
// (`watch`), and they ask back; each node then forwards the followed frames its sessions produce to the nodes that
// watch the thread, batched per tick, over the same bus as relayed sessions. Messages between two nodes stay in
// order, so a follower there sees a turn in order. A node that leaves the thread says so to all (`unwatch`).
import type { Logger } from "../logger.ts";
import type { FollowedFrame } from "../protocol/server.ts";
import type { ThreadBridge, ThreadViewers } from "../session/thread-viewers.ts";
import type { ClusterBus } from "./bus.ts";

/** What nodes say to each other about followed threads. */
export type ThreadMessage =
  | { k: "watch"; threadId: string }
  | { k: "watched"; threadId: string; follows: boolean }
  | { k: "unwatch"; threadId: string }
  | { k: "unshared"; threadId: string }
  | { k: "follow"; items: [threadId: string, frame: FollowedFrame][] };

/** Bytes the bus may hold unsent before followed frames are dropped: a slow database must not grow the runner's
 * memory for its followers (the relays' bound). */
const MAX_BUS_BACKLOG_BYTES = 16 * 1024 * 1024;

/** A batch goes at once from this many frames on, so that one NOTIFY message stays small. */
const BATCH_FRAMES = 64;

/** Which nodes hold sessions of a thread, as the directory lists them (this node left out). */
export type NodesOfThread = (threadId: string) => Promise<readonly string[]>;

/** This node's side of following threads across the cluster. */
export class ClusterThreads implements ThreadBridge {
  /** Other nodes that follow each thread: frames produced here go to them. */
  readonly #watchers = new Map<string, Set<string>>();
  /** Frames waiting for this tick's message, per node. */
  readonly #batches = new Map<string, [string, FollowedFrame][]>();
  /** Threads this node follows: settled once every node holding one of its sessions has answered the watch. */
  readonly #watching = new Map<string, Promise<void>>();
  /** Answers still awaited, per thread: the nodes asked and what settles the watch. */
  readonly #asked = new Map<string, { nodes: Set<string>; done: () => void }>();
  #dropping = false;

  private readonly bus: ClusterBus;
  private readonly viewers: ThreadViewers;
  private readonly nodesOf: NodesOfThread;
  private readonly log: Logger;

  private readonly timeoutMs: number;

  constructor(bus: ClusterBus, viewers: ThreadViewers, nodesOf: NodesOfThread, log: Logger, timeoutMs: number) {
    this.bus = bus;
    this.timeoutMs = timeoutMs;
    this.viewers = viewers;
    this.nodesOf = nodesOf;
    this.log = log;
    viewers.bridge = this;
  }

  /**
   * Asks the nodes holding sessions of `threadId` for its frames; settles once each has answered (a node that does
   * not answer within the relay timeout is taken for gone). Once per thread while this node follows it: the
   * gateway awaits it before a session on a stored thread is welcomed, so that it sees every turn from then on.
   */
  watch(threadId: string): Promise<void> {
    let watching = this.#watching.get(threadId);
    if (watching === undefined) {
      watching = this.#ask(threadId);
      this.#watching.set(threadId, watching);
    }
    return watching;
  }

  async #ask(threadId: string): Promise<void> {
    let nodes: readonly string[];
    try {
      nodes = await this.nodesOf(threadId);
    } catch (error) {
      this.log.warn({ err: error, threadId }, "the nodes of a followed thread were not found");
      return;
    }
    if (nodes.length === 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, this.timeoutMs);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#asked.set(threadId, { nodes: new Set(nodes), done });
      for (const node of nodes) this.bus.publish(node, { k: "watch", threadId } satisfies ThreadMessage);
    });
    this.#asked.delete(threadId);
  }

  unwatch(threadId: string): void {
    this.#watching.delete(threadId);
    this.#watchers.delete(threadId);
    this.bus.publish("*", { k: "unwatch", threadId } satisfies ThreadMessage);
  }

  /** The author stopped sharing `threadId` (on this node): every node closes its viewers of it. */
  unshared(threadId: string): void {
    this.bus.publish("*", { k: "unshared", threadId } satisfies ThreadMessage);
  }

  forward(threadId: string, frame: FollowedFrame): void {
    const nodes = this.#watchers.get(threadId);
    if (nodes === undefined) return;
    if (this.bus.pendingBytes > MAX_BUS_BACKLOG_BYTES) {
      if (!this.#dropping) this.log.warn({ threadId }, "the cluster bus is behind: followed frames are dropped");
      this.#dropping = true;
      return;
    }
    this.#dropping = false;
    for (const node of nodes) {
      let batch = this.#batches.get(node);
      if (batch === undefined) {
        batch = [];
        this.#batches.set(node, batch);
        process.nextTick(() => this.#flush(node));
      }
      batch.push([threadId, frame]);
      if (batch.length >= BATCH_FRAMES) this.#flush(node);
    }
  }

  #flush(node: string): void {
    const items = this.#batches.get(node);
    if (items === undefined) return;
    this.#batches.delete(node); // the next frame starts a batch of its own, flushed at its tick's end
    this.bus.publish(node, { k: "follow", items } satisfies ThreadMessage);
  }

  /** A message from node `from`. */
  receive(from: string, message: ThreadMessage): void {
    // To every node, this one too: the share's viewers are closed wherever they are.
    if (message.k === "unshared") {
      this.viewers.unshared(message.threadId);
      return;
    }
    if (from === this.bus.nodeId) return;
    switch (message.k) {
      case "watch": {
        this.#watcher(message.threadId, from);
        // Followers here want the asking node's frames too: said in the answer.
        const follows = this.viewers.follows(message.threadId) || this.#watching.has(message.threadId);
        this.bus.publish(from, { k: "watched", threadId: message.threadId, follows } satisfies ThreadMessage);
        return;
      }
      case "watched": {
        if (message.follows) this.#watcher(message.threadId, from);
        const asked = this.#asked.get(message.threadId);
        if (asked?.nodes.delete(from) === true && asked.nodes.size === 0) asked.done();
        return;
      }
      case "unwatch": {
        const nodes = this.#watchers.get(message.threadId);
        nodes?.delete(from);
        if (nodes?.size === 0) this.#watchers.delete(message.threadId);
        return;
      }
      case "follow":
        for (const [threadId, frame] of message.items) this.viewers.deliver(threadId, frame);
        return;
      default:
        message satisfies never;
    }
  }

  #watcher(threadId: string, node: string): void {
    const nodes = this.#watchers.get(threadId) ?? new Set<string>();
    this.#watchers.set(threadId, nodes);
    nodes.add(node);
  }

  /** Forgets the nodes that are gone (their lease ran out). */
  prune(alive: ReadonlySet<string>): void {
    for (const [threadId, nodes] of this.#watchers) {
      for (const node of nodes) if (!alive.has(node)) nodes.delete(node);
      if (nodes.size === 0) this.#watchers.delete(threadId);
    }
  }
}
