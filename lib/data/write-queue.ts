// The recorder's queue: a bounded FIFO of writes, committed in batches (one transaction each), each write within
// its deadline or reported lost. It never waits on the event loop: a locked or absent database is the layer's to
// wait for, on timers, until the deadline of the batch's oldest write.
import type { DataLayer, DataWrite } from "./layer.ts";
import type { LostEntry } from "./losses.ts";
import { isDataUnavailable } from "./unavailable.ts";

/** Writes that could not be stored: refused by the database, or queued past `maxQueue` (or after `close`). */
export interface LostWrites {
  readonly reason: "write_failed" | "queue_full";
  readonly threadIds: readonly string[];
  readonly writes: number;
  readonly error?: unknown;
}

/** Options of `createWriteQueue`. */
export interface WriteQueueOptions {
  readonly maxQueue: number;
  readonly maxBatch: number;
  /** A write not committed this long after `push` is lost. */
  readonly writeTimeoutMs: number;
  readonly onWritten: (writes: number) => void;
  /** Writes lost, with each one's thread and place in the order (a refused write's place is just after the last). */
  readonly onLost: (lost: LostWrites, entries: readonly LostEntry[]) => void;
}

/** The queue the recorder pushes into. */
export interface WriteQueue {
  /** Queues a write of `threadId` (false if refused: full or closed); commits start at the next tick, and
   * everything pushed in one tick shares a batch (with several batches in flight, is shared among them by
   * thread). */
  push(threadId: string, write: DataWrite): boolean;
  /** The place in the order of the last write pushed so far. */
  mark(): number;
  /** Resolves once every write up to `mark` is stored or reported lost. */
  settled(mark: number): Promise<void>;
  /** Refuses further writes (reported as queue_full). */
  close(): void;
  /** Whether a quarter of the queue is taken. */
  congested(): boolean;
}

/** Characters of text a transaction holds at most (past its first write): a batch of long messages is split, so
 * that no single commit holds the event loop for more than a few ms (docs/persistence.md has the measurements). */
const BATCH_CHARS = 128 * 1024;
/** What a write without text counts for, towards BATCH_CHARS. */
const WRITE_CHARS = 100;

/** Roughly how much text a write stores: what its transaction's time grows with. */
function charsOf(write: DataWrite): number {
  switch (write.kind) {
    case "message":
      return WRITE_CHARS + write.message.content.length;
    case "step":
      return WRITE_CHARS + (write.step.input?.length ?? 0) + (write.step.output?.length ?? 0);
    default:
      return WRITE_CHARS;
  }
}

/** Whether a write is a durable turn's start or end: a small row, most often not written at all (a turn that ends
 * `done` in the batch that starts it leaves none, sqlite-writes.ts). */
const isTurnRecord = (write: DataWrite): boolean => write.kind === "turn_start" || write.kind === "turn_end";

/** Writes whose deadline is this close when their batch gives up are given up with it. */
const EXPIRY_SLACK_MS = 10;

interface Queued {
  readonly seq: number;
  readonly threadId: string;
  readonly write: DataWrite;
  /** When it must be committed by (ms since the epoch), or be lost. */
  readonly deadline: number;
}

/** A batch starts beside one in flight only with at least this many writes waiting, and a tick's writes are shared
 * among free slots only in batches of at least this many: each commit has a fixed cost (about 0.3 ms of node and
 * 0.7 ms of server CPU on PostgreSQL, docs/performance.md), which smaller batches pay more often per message. */
const MIN_SPLIT = 100;

/** Who else a write can collide with: an owned thread's creation upserts its owner's row, which a concurrent batch
 * creating another thread of that owner would lock too (two such batches could deadlock). */
const ownerOf = (write: DataWrite): string | undefined =>
  write.kind === "thread" ? write.owner?.identifier : undefined;

/** A batch being written: its writes in order (the first is its oldest), their threads and owners held. */
interface Flight {
  readonly items: readonly Queued[];
  readonly threads: ReadonlySet<string>;
  readonly owners: ReadonlySet<string>;
}

/**
 * A write queue over `layer` (which must be migrated). With `layer.batchesInFlight` above 1 (a PostgreSQL option), several
 * batches are written at once, each holding threads that no other batch in flight holds: a thread's writes are
 * stored in their order, and the server's group commit shares one WAL flush among the concurrent commits.
 * @example const queue = createWriteQueue(layer, { maxQueue: 10_000, maxBatch: 500, writeTimeoutMs: 5000, onWritten, onLost });
 */
export function createWriteQueue(layer: DataLayer, options: WriteQueueOptions): WriteQueue {
  const { maxQueue, maxBatch, writeTimeoutMs, onWritten, onLost } = options;
  const maxInFlight = Math.max(1, Math.floor(layer.batchesInFlight ?? 1));
  // The writes waiting, in their order (seq); the batches being written are not in it.
  const queue: Queued[] = [];
  const inFlight = new Set<Flight>();
  const busyThreads = new Set<string>();
  const busyOwners = new Set<string>();
  let lastSeq = 0;
  let settledSeq = 0;
  let scheduled = false;
  let closed = false;
  const waiters: { target: number; resolve: () => void }[] = [];
  // Threads whose creation was lost, by id: created again before their next write, so the session goes on storing.
  const uncreated = new Map<string, DataWrite>();

  // Waiters arrive with non-decreasing targets (each waits for everything queued before it), so the ones to wake
  // are always a prefix: settling is linear in the waiters woken, not quadratic in the waiting.
  // Everything before the oldest write still waiting or being written is stored or reported lost: with several
  // batches in flight, a batch that ends first settles nothing an older batch still holds.
  const settle = (): void => {
    let oldest = queue[0]?.seq ?? lastSeq + 1;
    for (const flight of inFlight) oldest = Math.min(oldest, flight.items[0]?.seq ?? oldest);
    if (oldest - 1 <= settledSeq) return;
    settledSeq = oldest - 1;
    let woken = 0;
    while (woken < waiters.length && (waiters[woken]?.target ?? Number.POSITIVE_INFINITY) <= settledSeq) woken++;
    for (const waiter of waiters.splice(0, woken)) waiter.resolve();
  };

  const lose = (items: readonly Queued[], error: unknown): void => {
    for (const item of items) if (item.write.kind === "thread") uncreated.set(item.threadId, item.write);
    const threadIds = [...new Set(items.map((item) => item.threadId))];
    onLost({ reason: "write_failed", threadIds, writes: items.length, error }, items);
  };

  // The database stayed locked or away past the oldest write's deadline: the writes whose deadline has passed are
  // lost (the oldest at least, so this ends); the others stay queued for the next try. None is retried alone:
  // that would only wait again, once per write.
  const expire = (batch: readonly Queued[], error: unknown): number => {
    // Writes due within a few ms go too: they would only fail on their own a moment later.
    const now = Date.now() + EXPIRY_SLACK_MS;
    let expired = 1;
    while (expired < batch.length && (batch[expired]?.deadline ?? now) <= now) expired++;
    lose(batch.slice(0, expired), error);
    return expired;
  };

  // One bad write must not take the others down with it: each alone, reporting only those that fail.
  const oneByOne = async (batch: readonly Queued[]): Promise<number> => {
    const failed: Queued[] = [];
    let firstError: unknown;
    let done = 0;
    for (const item of batch) {
      done++;
      try {
        await layer.apply([item.write], { deadline: item.deadline });
        onWritten(1);
      } catch (error) {
        firstError ??= error;
        failed.push(item);
        // The database went away meanwhile: the rest stay queued, to be tried together again.
        if (isDataUnavailable(error)) break;
      }
    }
    if (failed.length > 0) lose(failed, firstError);
    return done;
  };

  /** Writes a batch; resolves with how many of it (from its start) are stored or reported lost. */
  const write = async (batch: readonly Queued[]): Promise<number> => {
    try {
      await layer.apply(
        batch.map((item) => item.write),
        { deadline: batch[0]?.deadline ?? Date.now() },
      );
      onWritten(batch.length);
      return batch.length;
    } catch (error) {
      if (isDataUnavailable(error)) return expire(batch, error);
      if (batch.length > 1) return oneByOne(batch);
      lose(batch, error);
      return 1;
    }
  };

  /**
   * Takes the next batch out of the queue: the oldest writes of threads no batch in flight holds, at most
   * `maxBatch` writes and about BATCH_CHARS characters. A turn's start and end do not count towards `maxBatch` (a
   * batch holds at most twice `maxBatch` writes in all): counted, they halved the turns a commit holds, so durable
   * turns paid a second commit for the same conversation (issue 25), and more of them were cut from their end by
   * the batch's edge and stored twice, started then ended. Past `share` counted writes, only threads already in
   * the batch join (whole threads go to the next batch in flight). A write skipped leaves its thread's later
   * writes behind too: a thread's writes are stored in their order.
   */
  const take = (share: number): Queued[] => {
    const batch: Queued[] = [];
    const threads = new Set<string>();
    const owners = new Set<string>();
    const skipped = new Set<string>();
    let chars = 0;
    let counted = 0;
    let kept = 0;
    let index = 0;
    for (; index < queue.length; index++) {
      if (batch.length >= 2 * maxBatch || (batch.length > 0 && chars >= BATCH_CHARS)) break;
      const item = queue[index] as Queued;
      const counts = !isTurnRecord(item.write);
      // Full: but a turn's end that follows still joins, so that its turn is written once.
      if (counts && counted >= maxBatch) break;
      const owner = ownerOf(item.write);
      const held =
        busyThreads.has(item.threadId) ||
        skipped.has(item.threadId) ||
        (owner !== undefined && busyOwners.has(owner)) ||
        (share < maxBatch && counted >= share && !threads.has(item.threadId));
      if (held) {
        skipped.add(item.threadId);
        queue[kept++] = item;
        continue;
      }
      batch.push(item);
      threads.add(item.threadId);
      if (owner !== undefined) owners.add(owner);
      chars += charsOf(item.write);
      if (counts) counted++;
    }
    // What was not taken closes up, in its order.
    if (batch.length > 0) {
      for (; index < queue.length; index++) queue[kept++] = queue[index] as Queued;
      queue.length = kept;
      start({ items: batch, threads, owners });
    }
    return batch;
  };

  const start = (flight: Flight): void => {
    inFlight.add(flight);
    for (const thread of flight.threads) busyThreads.add(thread);
    for (const owner of flight.owners) busyOwners.add(owner);
    void (async () => {
      let done = 0;
      try {
        done = await write(flight.items);
      } finally {
        inFlight.delete(flight);
        for (const thread of flight.threads) busyThreads.delete(thread);
        for (const owner of flight.owners) busyOwners.delete(owner);
        // What is not settled is tried again, in its place: no later write of its threads was taken meanwhile.
        const rest = flight.items.slice(done);
        if (rest.length > 0) {
          queue.push(...rest);
          queue.sort((a, b) => a.seq - b.seq);
        }
        settle();
        if (queue.length > 0) schedule();
      }
    })();
  };

  // Group commit: after each batch the event loop gets a turn (setImmediate) before the next one is taken, so that
  // the next batch holds everything received meanwhile. Taken at once, it would hold only what the waiters woken by
  // the last commit recorded in their microtasks (a turn's end, the next turn's start): many commits of a few rows
  // each, every one writing its pages again, while the sockets' input waited (under load at 1,000 connections
  // throughput fell to a sixth). With free slots for several batches, what is queued is shared among them, so that
  // their commits overlap (issue 19: 100 conversations each awaiting its flush kept one batch in flight).
  const fill = (): void => {
    scheduled = false;
    while (inFlight.size < maxInFlight && queue.length > 0) {
      // A few writes wait for the batch in flight instead: together they make one batch, not a commit each.
      if (inFlight.size > 0 && queue.length < MIN_SPLIT) return;
      const free = maxInFlight - inFlight.size;
      const share = free === 1 ? maxBatch : Math.max(MIN_SPLIT, Math.ceil(queue.length / free));
      if (take(share).length === 0) return;
    }
  };
  const schedule = (): void => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(fill);
  };

  // Writes recorded in one synchronous run share a deadline, so they expire together: a descheduled process must
  // not split one turn's writes into batches that fail one after the other.
  let runDeadline: number | undefined;
  const deadlineNow = (): number => {
    if (runDeadline === undefined) {
      runDeadline = Date.now() + writeTimeoutMs;
      queueMicrotask(() => {
        runDeadline = undefined;
      });
    }
    return runDeadline;
  };

  const push = (threadId: string, write: DataWrite): boolean => {
    if (closed || queue.length >= maxQueue) {
      onLost({ reason: "queue_full", threadIds: [threadId], writes: 1 }, [{ threadId, seq: lastSeq + 0.5 }]);
      return false;
    }
    const creation = uncreated.get(threadId);
    if (creation !== undefined && write.kind !== "thread") {
      uncreated.delete(threadId);
      push(threadId, creation);
    }
    queue.push({ seq: ++lastSeq, threadId, write, deadline: deadlineNow() });
    // Everything recorded during this tick goes into the first transaction(s).
    if (inFlight.size < maxInFlight) schedule();
    return true;
  };

  return {
    push,
    mark: () => lastSeq,
    settled: async (target) => {
      if (settledSeq < target) await new Promise<void>((resolve) => waiters.push({ target, resolve }));
    },
    close: () => {
      closed = true;
    },
    // A quarter, not a half: producers see it only once their turn has ended (lanes.ts), so every live session
    // may add one more turn's writes (about 6 for a session's first) after it; at 1,000 sessions from a half-full
    // queue that overflowed maxQueue 10,000 and lost writes (queue_full) under the benchmark.
    congested: () => queue.length * 4 >= maxQueue,
  };
}
