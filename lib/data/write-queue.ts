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
   * everything pushed in one tick shares a batch. */
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

/** The front of the queue as the next batch: at most `max` writes and about BATCH_CHARS characters. A turn's start
 * and end do not count towards `max` (a batch holds at most twice `max` writes in all): counted, they halved the
 * turns a commit holds, so durable turns paid a second commit for the same conversation (issue 25), and more of
 * them were cut from their end by the batch's edge and stored twice, started then ended. */
function nextBatch(queue: readonly Queued[], max: number): Queued[] {
  let chars = 0;
  let size = 0;
  let counted = 0;
  while (size < 2 * max && size < queue.length && (size === 0 || chars < BATCH_CHARS)) {
    const write = (queue[size] as Queued).write;
    const counts = !isTurnRecord(write);
    // Full: but a turn's end that follows still joins, so that its turn is written once.
    if (counts && counted >= max) break;
    chars += charsOf(write);
    if (counts) counted++;
    size++;
  }
  return queue.slice(0, size);
}

/** Writes whose deadline is this close when their batch gives up are given up with it. */
const EXPIRY_SLACK_MS = 10;

interface Queued {
  readonly seq: number;
  readonly threadId: string;
  readonly write: DataWrite;
  /** When it must be committed by (ms since the epoch), or be lost. */
  readonly deadline: number;
}

/**
 * A write queue over `layer` (which must be migrated).
 * @example const queue = createWriteQueue(layer, { maxQueue: 10_000, maxBatch: 500, writeTimeoutMs: 5000, onWritten, onLost });
 */
export function createWriteQueue(layer: DataLayer, options: WriteQueueOptions): WriteQueue {
  const { maxQueue, maxBatch, writeTimeoutMs, onWritten, onLost } = options;
  const queue: Queued[] = [];
  let lastSeq = 0;
  let settledSeq = 0;
  let draining = false;
  let closed = false;
  // The batch being written stays at the front of the queue, but it is not waiting: maxQueue counts the others.
  let writing = 0;
  const waiters: { target: number; resolve: () => void }[] = [];
  // Threads whose creation was lost, by id: created again before their next write, so the session goes on storing.
  const uncreated = new Map<string, DataWrite>();

  // Waiters arrive with non-decreasing targets (each waits for everything queued before it), so the ones to wake
  // are always a prefix: settling is linear in the waiters woken, not quadratic in the waiting.
  const settle = (seq: number): void => {
    settledSeq = seq;
    let woken = 0;
    while (woken < waiters.length && (waiters[woken]?.target ?? Number.POSITIVE_INFINITY) <= seq) woken++;
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

  /** Writes a batch from the front of the queue; resolves with how many of it are stored or reported lost. */
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

  // Group commit: after each batch the event loop gets a turn (setImmediate) before the next one is taken, so that
  // the next batch holds everything received meanwhile. Taken at once, it would hold only what the waiters woken by
  // the last commit recorded in their microtasks (a turn's end, the next turn's start): many commits of a few rows
  // each, every one writing its pages again, while the sockets' input waited (under load at 1,000 connections
  // throughput fell to a sixth).
  const drain = async (): Promise<void> => {
    try {
      while (queue.length > 0) {
        // The batch stays at the front of the queue while it is written: what is not settled is tried again.
        const batch = nextBatch(queue, maxBatch);
        writing = batch.length;
        const done = queue.splice(0, await write(batch));
        writing = 0;
        settle(done.at(-1)?.seq ?? settledSeq);
        if (queue.length > 0) await new Promise<void>((resolve) => setImmediate(resolve));
      }
    } finally {
      draining = false;
    }
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
    if (closed || queue.length - writing >= maxQueue) {
      onLost({ reason: "queue_full", threadIds: [threadId], writes: 1 }, [{ threadId, seq: lastSeq + 0.5 }]);
      return false;
    }
    const creation = uncreated.get(threadId);
    if (creation !== undefined && write.kind !== "thread") {
      uncreated.delete(threadId);
      push(threadId, creation);
    }
    queue.push({ seq: ++lastSeq, threadId, write, deadline: deadlineNow() });
    if (!draining) {
      draining = true;
      // Everything recorded during this tick goes into the first transaction.
      setImmediate(() => void drain());
    }
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
    congested: () => (queue.length - writing) * 4 >= maxQueue,
  };
}
