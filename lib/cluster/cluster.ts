// One node of a cluster: its lease in the session directory, the bus to the other nodes, and both ends of relayed
// sessions. A client reaching a node that does not hold its session is relayed to the holder; a holder that is gone
// (its lease ran out, or it does not answer within `relayTimeoutMs`) means `resume_failed`, and the client reopens
// its stored thread wherever it is.
import { nanoid } from "nanoid";
import type { Logger } from "../logger.ts";
import type { ResumeRequest } from "../protocol/client.ts";
import type { ServerFrameOf } from "../protocol/server.ts";
import type { User } from "../protocol/views.ts";
import type { Session } from "../session/session.ts";
import type { FrameSink } from "../session/sink.ts";
import type { ThreadViewers } from "../session/thread-viewers.ts";
import { type ClusterBus, createPostgresBus } from "./bus.ts";
import { createDirectory, type Directory } from "./directory.ts";
import type { ClusterSettings } from "./options.ts";
import { fromWire, type RelayMessage, RelaySink, RemoteSession } from "./relay.ts";
import { ClusterThreads } from "./thread-bridge.ts";

/** Why a resume is refused, as `resume_failed` says it. */
export type ResumeRefusal = ServerFrameOf<"resume_failed">["reason"];

/** The live sessions this node holds, as the cluster reads them. */
export interface HeldSessions {
  get(id: string): Session | undefined;
  all(): Session[];
  ofThread(threadId: string): Session | undefined;
}

/** Resumes a session held here for a client on another node, as a local resume would (the same checks; the
 * welcome and the replay written to `sink`); resolves with the refusal, or undefined once attached. */
export type ResumeHere = (
  request: ResumeRequest,
  user: User | undefined,
  sink: FrameSink,
) => Promise<ResumeRefusal | undefined>;

/** What the gateway lends its node. */
export interface ClusterHost {
  readonly held: HeldSessions;
  readonly log: Logger;
  readonly resume: ResumeHere;
  /** Another node revoked `tokenId` (a logout): close this node's sockets opened with it. */
  revoked(tokenId: string): void;
  /** The node's followers of threads: with it, they follow the thread's turns on every node. */
  readonly viewers?: ThreadViewers | undefined;
}

/** What resuming a session held elsewhere gave. */
export type RemoteResume = { readonly remote: RemoteSession } | { readonly refused: ResumeRefusal };

/** This node's part in the cluster. */
export interface ClusterNode {
  readonly nodeId: string;
  /** Resumes a session this node does not hold, through its holder. */
  resume(request: ResumeRequest, user: User | undefined, sink: FrameSink): Promise<RemoteResume>;
  /** Hands `content` to the live session of `threadId` on another node; false when there is none (or no answer). */
  push(threadId: string, content: string): Promise<boolean>;
  /** Live sessions of the user on other nodes. */
  countElsewhere(userIdentifier: string): Promise<number>;
  /** Whether `nodeId`'s lease is still running and it holds its liveness lock (a killed node's lock is freed at
   * once): its durable turns are its own until either ends. */
  isNodeAlive(nodeId: string): Promise<boolean>;
  /** Calls `listener` whenever other nodes may have taken this one for dead (its lock connection ended, its lease
   * was found gone): what it runs may be claimed by another node from then on (the fencing of durable turns). */
  onLeaseLost(listener: () => void): void;
  /** Runs `task` after each heartbeat (a failure is logged): durable turns check there that they are still theirs. */
  onHeartbeat(task: () => Promise<void>): void;
  /** Tells every other node that `tokenId` was revoked (a logout here). */
  revoke(tokenId: string): void;
  /** The registry's news: a session was opened or ended here. */
  added(session: Session): void;
  removed(session: Session): void;
  /** Settles once the other nodes holding sessions of `threadId` send its turns' frames here (or did not answer in
   * time): a session on a stored thread is welcomed after it, so it follows every turn from then on. */
  watchThread(threadId: string): Promise<void>;
  /** The author stopped sharing `threadId`: its read-only viewers are closed on every node. */
  unshared(threadId: string): void;
  /** Settles once the directory lists `sessionId` (or failed to: then it is logged, and only this node finds it). */
  listed(sessionId: string): Promise<void>;
  close(): Promise<void>;
}

const entryOf = (session: Session) => ({
  sessionId: session.id,
  threadId: session.threadId,
  userIdentifier: session.user?.identifier,
});

/**
 * Joins the cluster: opens the bus and the directory (four PostgreSQL connections: the bus's two, the directory's,
 * and the one holding the node's liveness lock), takes a lease and keeps it.
 * @example const node = await joinCluster(clusterSettings(true), { held: registry, log, resume, revoked });
 */
export async function joinCluster(
  settings: ClusterSettings,
  host: ClusterHost,
  bus?: ClusterBus,
): Promise<ClusterNode> {
  const { url, heartbeatMs, leaseMs, relayTimeoutMs } = settings;
  const theBus = bus ?? (await createPostgresBus(url));
  const directory: Directory = createDirectory(url, theBus.nodeId, leaseMs);
  await directory.join();
  return new Node(theBus, directory, host, { heartbeatMs, relayTimeoutMs });
}

interface Pending<T> {
  resolve(value: T): void;
  timer: NodeJS.Timeout;
}

class Node implements ClusterNode {
  /** Holder's side: links whose frames this node sends, by link id. */
  readonly #sinks = new Map<string, { sink: RelaySink; session: Session }>();
  /** Client's side: sessions this node relays to their holder, by link id. */
  readonly #remotes = new Map<string, RemoteSession>();
  readonly #attaching = new Map<string, Pending<RemoteResume>>();
  readonly #pushing = new Map<string, Pending<boolean>>();
  /** Directory writes of sessions just opened here, until they are in. */
  readonly #listing = new Map<string, Promise<void>>();
  readonly #heartbeat: NodeJS.Timeout;
  #beating: Promise<void> = Promise.resolve();
  readonly #leaseLost: (() => void)[] = [];
  readonly #afterBeat: (() => Promise<void>)[] = [];
  /** Followed threads across nodes, when the gateway has followers. */
  readonly #threads: ClusterThreads | undefined;

  private readonly bus: ClusterBus;
  private readonly directory: Directory;
  private readonly host: ClusterHost;
  private readonly timing: { heartbeatMs: number; relayTimeoutMs: number };

  constructor(
    bus: ClusterBus,
    directory: Directory,
    host: ClusterHost,
    timing: { heartbeatMs: number; relayTimeoutMs: number },
  ) {
    this.bus = bus;
    this.directory = directory;
    this.host = host;
    this.timing = timing;
    this.#threads =
      host.viewers === undefined
        ? undefined
        : new ClusterThreads(
            bus,
            host.viewers,
            (threadId) => directory.nodesOfThread(threadId),
            host.log,
            timing.relayTimeoutMs,
          );
    bus.onMessage((from, message) => this.#onMessage(from, message as RelayMessage));
    bus.onLost(() => this.#lost());
    directory.onLockLost(() => this.#leaseWasLost());
    this.#heartbeat = setInterval(() => {
      this.#beating = this.#beat().catch((error: unknown) => host.log.warn({ err: error }, "cluster heartbeat failed"));
    }, timing.heartbeatMs);
    this.#heartbeat.unref();
  }

  get nodeId(): string {
    return this.bus.nodeId;
  }

  async isNodeAlive(nodeId: string): Promise<boolean> {
    return (await this.directory.liveNodes()).has(nodeId);
  }

  onLeaseLost(listener: () => void): void {
    this.#leaseLost.push(listener);
  }

  onHeartbeat(task: () => Promise<void>): void {
    this.#afterBeat.push(task);
  }

  #leaseWasLost(): void {
    this.host.log.warn("this node's cluster lease was lost: its durable turns may be taken over elsewhere");
    for (const listener of this.#leaseLost) listener();
  }

  /** Renews the lease, then ends the links whose other end is on a node that is gone (killed, cut off): their
   * clients reconnect, and their sessions wait for that resume. */
  async #beat(): Promise<void> {
    if (await this.directory.heartbeat(() => this.host.held.all().map(entryOf))) this.#leaseWasLost();
    for (const task of this.#afterBeat) {
      await task().catch((error: unknown) => this.host.log.warn({ err: error }, "a cluster heartbeat task failed"));
    }
    const alive = await this.directory.liveNodes();
    this.#threads?.prune(alive);
    for (const remote of [...this.#remotes.values()]) {
      if (alive.has(remote.holder)) continue;
      // Still attaching: refused, so the client reopens its thread here at once rather than reconnecting.
      if (!this.#settle(this.#attaching, remote.link, { refused: "expired" }))
        remote.close(1012, "the node holding the session is gone");
    }
    for (const [link, held] of [...this.#sinks]) {
      if (alive.has(held.sink.to)) continue;
      this.#sinks.delete(link);
      held.sink.drop();
      held.session.disconnect(held.sink, false);
    }
  }

  added(session: Session): void {
    const listing = this.directory
      .add(entryOf(session))
      .catch((error: unknown) => this.host.log.warn({ err: error }, "directory add failed"))
      .finally(() => this.#listing.delete(session.id));
    this.#listing.set(session.id, listing);
  }

  unshared(threadId: string): void {
    if (this.#threads === undefined) this.host.viewers?.unshared(threadId);
    else this.#threads.unshared(threadId);
  }

  watchThread(threadId: string): Promise<void> {
    return this.#threads?.watch(threadId) ?? Promise.resolve();
  }

  listed(sessionId: string): Promise<void> {
    return this.#listing.get(sessionId) ?? Promise.resolve();
  }

  removed(session: Session): void {
    this.directory
      .remove(session.id)
      .catch((error: unknown) => this.host.log.warn({ err: error }, "directory remove failed"));
  }

  countElsewhere(userIdentifier: string): Promise<number> {
    return this.directory.countElsewhere(userIdentifier);
  }

  revoke(tokenId: string): void {
    this.bus.publish("*", { k: "revoked", tokenId } satisfies RelayMessage);
  }

  #wait<T>(pending: Map<string, Pending<T>>, id: string, onTimeout: T): Promise<T> {
    return new Promise<T>((resolve) => {
      const timer = setTimeout(() => {
        pending.delete(id);
        resolve(onTimeout);
      }, this.timing.relayTimeoutMs);
      pending.set(id, { resolve, timer });
    });
  }

  #settle<T>(pending: Map<string, Pending<T>>, id: string, value: T): boolean {
    const waiting = pending.get(id);
    if (waiting === undefined) return false;
    pending.delete(id);
    clearTimeout(waiting.timer);
    waiting.resolve(value);
    return true;
  }

  async resume(request: ResumeRequest, user: User | undefined, sink: FrameSink): Promise<RemoteResume> {
    const holder = await this.directory.nodeOfSession(request.sessionId);
    if (holder === undefined || holder === this.nodeId) return { refused: "expired" };
    const link = nanoid();
    const remote = new RemoteSession(this.bus, holder, link, sink, (gone) => this.#remotes.delete(gone.link));
    this.#remotes.set(link, remote);
    // A holder that does not answer in time is taken for dead: the client reopens its thread here instead.
    const answer = this.#wait(this.#attaching, link, { refused: "expired" } as RemoteResume);
    const { sessionId, resumeToken, lastSeq } = request;
    this.bus.publish(holder, { k: "attach", link, sessionId, resumeToken, lastSeq, user: user ?? null });
    const result = await answer;
    if ("refused" in result) {
      this.#remotes.delete(link);
      // A late welcome must not reach this client: the holder is told to let the link go.
      this.bus.publish(holder, { k: "detach", link, done: false });
    }
    return result;
  }

  async push(threadId: string, content: string): Promise<boolean> {
    // A node may hold only read-only viewers of the thread (they take no push): the next node is asked then.
    for (const holder of await this.directory.nodesOfThread(threadId)) {
      const id = nanoid();
      const answer = this.#wait(this.#pushing, id, false);
      this.bus.publish(holder, { k: "push", id, threadId, content });
      if (await answer) return true;
    }
    return false;
  }

  #onMessage(from: string, message: RelayMessage): void {
    switch (message.k) {
      case "attach":
        void this.#attach(from, message);
        return;
      case "cmd":
        this.#sinks.get(message.link)?.session.receive(fromWire(message.cmd));
        return;
      case "err": {
        const { code, replyTo, field } = message;
        this.#sinks.get(message.link)?.session.reportError(code, message.message, replyTo, field);
        return;
      }
      case "detach": {
        const held = this.#sinks.get(message.link);
        if (held === undefined) return;
        this.#sinks.delete(message.link);
        held.sink.drop();
        held.session.disconnect(held.sink, message.done);
        return;
      }
      case "frames": {
        const remote = this.#remotes.get(message.link);
        if (remote === undefined) {
          // Nobody here for it any more (the resume timed out, the socket closed): let the holder detach it.
          this.bus.publish(from, { k: "detach", link: message.link, done: false });
          return;
        }
        this.#settle(this.#attaching, message.link, { remote });
        remote.write(message.texts);
        return;
      }
      case "refused":
        this.#settle(this.#attaching, message.link, { refused: message.reason });
        return;
      case "close":
        this.#remotes.get(message.link)?.close(message.code, message.reason);
        return;
      case "push": {
        const session = this.host.held.ofThread(message.threadId);
        session?.push(message.content);
        this.bus.publish(from, { k: "pushed", id: message.id, ok: session !== undefined });
        return;
      }
      case "pushed":
        this.#settle(this.#pushing, message.id, message.ok);
        return;
      case "revoked":
        if (from !== this.nodeId) this.host.revoked(message.tokenId);
        return;
      case "watch":
      case "watched":
      case "unwatch":
      case "unshared":
      case "follow":
        this.#threads?.receive(from, message);
        return;
      default:
        message satisfies never;
    }
  }

  /** The holder's side of a resume from another node: the gateway's own resume, written down the relay. */
  async #attach(from: string, request: Extract<RelayMessage, { k: "attach" }>): Promise<void> {
    const { link } = request;
    const sink = new RelaySink(this.bus, from, link, (closed) => {
      if (this.#sinks.get(closed.link)?.sink === closed) this.#sinks.delete(closed.link);
    });
    const session = this.host.held.get(request.sessionId);
    if (session !== undefined) this.#sinks.set(link, { sink, session });
    const refusal = await this.host.resume(request, request.user ?? undefined, sink);
    if (refusal === undefined) return;
    this.#sinks.delete(link);
    sink.drop();
    this.bus.publish(from, { k: "refused", link, reason: refusal });
  }

  /** The bus may have lost messages: no link can vouch for its order any more. Relayed clients are closed (they
   * resume and replay from their last seq); held sessions are detached (they hold their frames for that resume). */
  #lost(): void {
    for (const remote of [...this.#remotes.values()]) remote.close(1012, "relay lost");
    for (const [link, held] of [...this.#sinks]) {
      this.#sinks.delete(link);
      held.sink.drop();
      held.session.disconnect(held.sink, false);
    }
    for (const id of [...this.#attaching.keys()]) this.#settle(this.#attaching, id, { refused: "expired" });
  }

  async close(): Promise<void> {
    clearInterval(this.#heartbeat);
    await this.#beating;
    await this.directory.leave().catch(() => {});
    await this.bus.close();
    await this.directory.close();
  }
}
