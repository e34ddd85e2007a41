// The orphan sweeper (docs/durability.md#orphans-nobody-reopens): orphaned durable turns are found across all threads
// — at start-up on one node (every other owner is a process that ended), then every `orphanSweepMs` (with jitter) in
// a cluster too (a node whose lease ran out) — and each thread with one is recovered in a headless session
// (headless-session.ts), at most `maxHeadlessRecoveries` at once on this node. Any live node may sweep: claiming is
// one conditional update, so one node runs each turn. A waiting turn whose ask is still open is left for its user;
// one past its ask's deadline is run, so that its handler gets ASK_TIMEOUT.
import type { FastifyBaseLogger } from "fastify";
import type { DurableTurnsConfig } from "../session/durable-turns.ts";
import type { Session } from "../session/session.ts";
import { recoverHeadless } from "./headless-session.ts";
import type { SessionScope } from "./new-session.ts";

/** How often and how much the sweeper recovers. */
export interface SweepOptions {
  /** Between two sweeps (±25 %, so that a cluster's nodes do not sweep in step). */
  readonly everyMs: number;
  /** Headless sessions running at once on this node. */
  readonly maxAtOnce: number;
}

/** Live turns read per query: a sweep looks at a few batches at most. */
const BATCH = 32;
/** Queries per sweep: each one that finds only live nodes' turns leaves those nodes out of the next. */
const ROUNDS = 4;

/** A running sweeper. */
export interface OrphanSweeper {
  /** One sweep now (the timer's, or a test's); resolves once its headless sessions are started. */
  sweep(): Promise<void>;
  /** Stops sweeping and ends the headless sessions running (`shutdown`, as every session at a graceful stop). */
  close(): Promise<void>;
}

/** Starts sweeping at once; undefined when the layer cannot list orphans (they are recovered as threads reopen). */
export function startOrphanSweeper<S extends object>(
  scope: SessionScope<S> & { readonly durableTurns: DurableTurnsConfig },
  options: SweepOptions,
  log: FastifyBaseLogger,
): OrphanSweeper | undefined {
  const config = scope.durableTurns;
  const list = config.store.listOrphans?.bind(config.store);
  if (list === undefined || options.everyMs <= 0 || options.maxAtOnce <= 0) return undefined;
  /** Threads being recovered here, and their sessions. */
  const threads = new Set<string>();
  const sessions = new Set<Session>();
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let sweeping: Promise<void> | undefined;

  const recover = (threadId: string) => {
    threads.add(threadId);
    recoverHeadless(scope, threadId, sessions)
      .catch((error: unknown) =>
        log.error({ err: error, threadId }, "an orphaned turn's thread could not be recovered"),
      )
      .finally(() => threads.delete(threadId));
  };

  const sweepOnce = async () => {
    const except = new Set([config.nodeId]);
    for (let round = 0; round < ROUNDS && !closed && threads.size < options.maxAtOnce; round++) {
      const found = await list([...except], BATCH, new Date().toISOString());
      let orphaned = false;
      for (const turn of found) {
        if (closed || threads.size >= options.maxAtOnce) return;
        if (except.has(turn.nodeId)) continue;
        if (await config.isAlive(turn.nodeId)) {
          except.add(turn.nodeId);
          continue;
        }
        orphaned = true;
        if (!threads.has(turn.threadId)) recover(turn.threadId);
      }
      // Orphans found (or none at all): the next sweep looks for more.
      if (orphaned || found.length < BATCH) return;
    }
  };

  const sweep = (): Promise<void> => {
    sweeping ??= sweepOnce()
      .catch((error: unknown) => log.error({ err: error }, "orphaned turns could not be looked up"))
      .finally(() => {
        sweeping = undefined;
      });
    return sweeping;
  };

  const next = (ms: number) => {
    if (closed) return;
    timer = setTimeout(() => void sweep().then(() => next(jittered(options.everyMs))), ms);
    timer.unref();
  };
  next(0);

  return {
    sweep,
    async close() {
      closed = true;
      clearTimeout(timer);
      await sweeping;
      await Promise.all([...sessions].map((session) => session.end("shutdown")));
    },
  };
}

/** `ms` ±25 %. */
const jittered = (ms: number): number => Math.round(ms * (0.75 + Math.random() * 0.5));
