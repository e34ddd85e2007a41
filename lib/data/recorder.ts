// The recorder: how the gateway persists what it emits. Calls never block and never throw; writes go through a
// bounded FIFO queue and are committed in batches (one transaction per batch). `flush()` is the durability point.
import type { Feedback } from "../hooks/payloads.ts";
import type { Logger } from "../logger.ts";
import { silentLogger } from "../logger.ts";
import type { OutgoingFrame } from "../protocol/server.ts";
import type { MessageView, User } from "../protocol/views.ts";
import {
  type DataLayer,
  type DataWrite,
  NAME_MAX,
  type NewThread,
  type StoredElement,
  type ThreadPatch,
} from "./layer.ts";

/** Why some writes were not stored: the database refused them, the queue was full, or a stream ended unseen. */
export interface RecorderFailure {
  readonly reason: "write_failed" | "queue_full" | "unknown_stream";
  /** The threads whose writes were lost. */
  readonly threadIds: readonly string[];
  /** How many writes were lost. */
  readonly writes: number;
  readonly error?: unknown;
}

/** What `flush()` rejects with when writes of the flushed thread(s) were lost since the last flush. */
export class PersistenceError extends Error {
  override name = "PersistenceError";
  constructor(readonly failure: RecorderFailure) {
    super(`${failure.writes} write(s) not persisted (${failure.reason})`, { cause: failure.error });
  }
}

/** Options of `createRecorder`. */
export interface RecorderOptions {
  readonly log?: Logger;
  /** Writes waiting at most; past it new writes are dropped and reported (queue_full). Default 10 000. */
  readonly maxQueue?: number;
  /** Writes per transaction at most. Default 500. */
  readonly maxBatch?: number;
  /** Called for every loss, after it is logged. */
  readonly onError?: (failure: RecorderFailure) => void;
}

/** A message the user sent, as the gateway received it. */
export interface UserMessageRecord {
  readonly id: string;
  readonly content: string;
  readonly createdAt: string;
  /** Display name of the user (after authorRename). */
  readonly author: string;
  readonly parentId?: string;
  /** Name the thread after this message if it has no name yet (default true). The gateway says false after the
   * first message of a session, sparing a write per turn. */
  readonly nameThread?: boolean;
}

/** A thread to create if missing: owned by `owner` (upserted) or anonymous with `secretHash`. */
export type ThreadInit = Omit<NewThread, "userId"> & { readonly owner?: User };

/** Counters since the recorder was created. */
export interface RecorderStats {
  readonly queued: number;
  readonly written: number;
  readonly failed: number;
  readonly dropped: number;
}

/** Persists a conversation as it happens. Every method but flush/close returns at once. */
export interface Recorder {
  /** Queues the creation of the thread (no-op if it exists). Call before recording into it. */
  ensureThread(thread: ThreadInit): void;
  /** Queues what a frame the gateway emitted into `threadId` means for the stored conversation. */
  record(threadId: string, frame: OutgoingFrame): void;
  /** Queues a user message, and names the thread after it if the thread has no name yet. */
  recordUserMessage(threadId: string, message: UserMessageRecord): void;
  /** Queues the feedback on `feedback.messageId`, replacing an earlier one on that message. */
  recordFeedback(threadId: string, feedback: Feedback): void;
  /** Queues the removal of the feedback on the message `messageId`. */
  deleteFeedback(threadId: string, messageId: string): void;
  /** Queues a change of name, tags or metadata (e.g. the session store, at disconnect). */
  updateThread(threadId: string, patch: ThreadPatch): void;
  /**
   * Writes the content streamed so far, then resolves once every write queued before the call is committed.
   * Rejects with PersistenceError if a write of `threadId` (of any thread, without it) was lost since its last flush.
   */
  flush(threadId?: string): Promise<void>;
  /** Flushes, then refuses further writes (they are reported as dropped). Does not close the layer. */
  close(): Promise<void>;
  stats(): RecorderStats;
  /** Whether the queue is past half full: producers that can wait (the next turn of a session) should. */
  congested(): boolean;
}

interface Queued {
  readonly seq: number;
  readonly threadId: string;
  readonly write: DataWrite;
}

interface OpenStream {
  readonly threadId: string;
  message: MessageView;
  content: string;
  /** The content last queued for writing, to skip flushing a stream that did not change. */
  written: string;
}

/**
 * First line of a message, cut to NAME_MAX characters: a thread's default name.
 * @example defaultThreadName("Plan my trip\nto Oslo") === "Plan my trip"
 */
export const defaultThreadName = (content: string): string => {
  const line = content.trim().split("\n")[0]?.trim() ?? "";
  return line.length <= NAME_MAX ? line : `${line.slice(0, NAME_MAX - 1)}…`;
};

/**
 * A recorder writing into `layer` (which must be migrated).
 * @example const recorder = createRecorder(layer, { log, onError: (f) => metrics.inc(f.reason) });
 */
export function createRecorder(layer: DataLayer, options: RecorderOptions = {}): Recorder {
  const log = options.log ?? silentLogger;
  const maxQueue = options.maxQueue ?? 10_000;
  const maxBatch = options.maxBatch ?? 500;
  const queue: Queued[] = [];
  let lastSeq = 0;
  let settledSeq = 0;
  let draining = false;
  let closed = false;
  const waiters: { target: number; resolve: () => void }[] = [];
  const streams = new Map<string, OpenStream>();
  // Losses not yet reported to a flush, per thread: the next flush of that thread rejects with the first one.
  const lost = new Map<string, RecorderFailure>();
  const counts = { queued: 0, written: 0, failed: 0, dropped: 0 };

  const report = (failure: RecorderFailure): void => {
    if (failure.reason === "write_failed") counts.failed += failure.writes;
    else counts.dropped += failure.writes;
    for (const threadId of failure.threadIds) if (!lost.has(threadId)) lost.set(threadId, failure);
    log.error({ err: failure.error, reason: failure.reason, threadIds: failure.threadIds }, "persistence lost writes");
    try {
      options.onError?.(failure);
    } catch (error) {
      log.error({ err: error }, "recorder onError threw");
    }
  };

  // Waiters arrive with non-decreasing targets (each flush waits for everything queued before it), so the ones to
  // wake are always a prefix: settling is linear in the waiters woken, not quadratic in the waiting.
  const settle = (seq: number): void => {
    settledSeq = seq;
    let woken = 0;
    while (woken < waiters.length && (waiters[woken]?.target ?? Number.POSITIVE_INFINITY) <= seq) woken++;
    for (const waiter of waiters.splice(0, woken)) waiter.resolve();
  };

  const writeBatch = async (batch: readonly Queued[]): Promise<void> => {
    try {
      await layer.apply(batch.map((item) => item.write));
      counts.written += batch.length;
      return;
    } catch (error) {
      if (batch.length === 1) {
        report({ reason: "write_failed", threadIds: [batch[0]?.threadId ?? ""], writes: 1, error });
        return;
      }
    }
    // One bad write must not take the others down with it: retry each alone, report only those that fail.
    const failed: Queued[] = [];
    let firstError: unknown;
    for (const item of batch) {
      try {
        await layer.apply([item.write]);
        counts.written += 1;
      } catch (error) {
        firstError ??= error;
        failed.push(item);
      }
    }
    if (failed.length > 0) {
      const threadIds = [...new Set(failed.map((item) => item.threadId))];
      report({ reason: "write_failed", threadIds, writes: failed.length, error: firstError });
    }
  };

  const drain = async (): Promise<void> => {
    try {
      while (queue.length > 0) {
        const batch = queue.splice(0, maxBatch);
        await writeBatch(batch);
        settle(batch.at(-1)?.seq ?? settledSeq);
      }
    } finally {
      draining = false;
    }
  };

  const enqueue = (threadId: string, write: DataWrite): void => {
    if (closed || queue.length >= maxQueue) {
      report({ reason: "queue_full", threadIds: [threadId], writes: 1 });
      return;
    }
    queue.push({ seq: ++lastSeq, threadId, write });
    counts.queued += 1;
    if (!draining) {
      draining = true;
      // Everything recorded during this tick goes into the first transaction.
      setImmediate(() => void drain());
    }
  };

  const writeStream = (id: string, stream: OpenStream): void => {
    if (stream.content === stream.written) return;
    stream.written = stream.content;
    enqueue(stream.threadId, {
      kind: "message",
      threadId: stream.threadId,
      message: { ...stream.message, id, content: stream.content },
    });
  };

  // A message and its elements: the elements are rows of their own, attached to the message by `forId`.
  const writeMessage = (threadId: string, { elements, ...message }: MessageView): void => {
    enqueue(threadId, { kind: "message", threadId, message });
    for (const { id, name, url, mime, display } of elements ?? []) {
      const element: StoredElement = {
        id,
        name,
        url,
        forId: message.id,
        ...(mime === undefined ? {} : { mime }),
        ...(display === undefined ? {} : { display }),
      };
      enqueue(threadId, { kind: "element", threadId, element });
    }
  };

  const record = (threadId: string, frame: OutgoingFrame): void => {
    switch (frame.type) {
      case "message_new":
      case "message_update":
      case "ask": {
        const stream = streams.get(frame.message.id);
        if (stream !== undefined) {
          stream.message = frame.message;
          stream.content = stream.written = frame.message.content;
        }
        writeMessage(threadId, frame.message);
        return;
      }
      case "stream_start": {
        const { elements: _elements, ...message } = frame.message;
        streams.set(message.id, { threadId, message, content: message.content, written: message.content });
        // Written now, not at the end, so the message keeps its place before steps emitted while it streams.
        writeMessage(threadId, frame.message);
        return;
      }
      case "stream_token": {
        const stream = streams.get(frame.id);
        if (stream !== undefined) stream.content += frame.token;
        return;
      }
      case "stream_end": {
        const stream = streams.get(frame.id);
        streams.delete(frame.id);
        if (stream === undefined) {
          report({ reason: "unknown_stream", threadIds: [threadId], writes: 1 });
          return;
        }
        stream.content = frame.content;
        writeStream(frame.id, stream);
        return;
      }
      case "message_delete":
        streams.delete(frame.id);
        enqueue(threadId, { kind: "delete_step", id: frame.id });
        return;
      case "step":
        enqueue(threadId, { kind: "step", threadId, step: frame.step });
        return;
      // Session plumbing, not conversation: nothing to store (a history frame replays what is stored already).
      case "thread_history":
      case "task_start":
      case "task_end":
      case "ask_end":
      case "window_message":
      case "audio_state":
      case "feedback_saved":
      case "error":
        return;
      default:
        frame satisfies never;
    }
  };

  const flush = async (threadId?: string): Promise<void> => {
    for (const [id, stream] of streams)
      if (threadId === undefined || stream.threadId === threadId) writeStream(id, stream);
    const target = lastSeq;
    if (settledSeq < target) await new Promise<void>((resolve) => waiters.push({ target, resolve }));
    const failure = threadId === undefined ? lost.values().next().value : lost.get(threadId);
    if (threadId === undefined) lost.clear();
    else lost.delete(threadId);
    if (failure !== undefined) throw new PersistenceError(failure);
  };

  return {
    ensureThread: ({ owner, ...thread }) =>
      enqueue(thread.id, { kind: "thread", thread, ...(owner === undefined ? {} : { owner }) }),
    record,
    recordUserMessage: (threadId, m) => {
      const message: MessageView = {
        id: m.id,
        role: "user",
        author: m.author,
        content: m.content,
        createdAt: m.createdAt,
        ...(m.parentId === undefined ? {} : { parentId: m.parentId }),
        actions: [],
      };
      enqueue(threadId, { kind: "message", threadId, message });
      const name = m.nameThread === false ? "" : defaultThreadName(m.content);
      if (name !== "") enqueue(threadId, { kind: "default_name", threadId, name });
    },
    recordFeedback: (threadId, f) =>
      enqueue(threadId, {
        kind: "feedback",
        feedback: {
          id: f.id,
          forId: f.messageId,
          value: f.value,
          ...(f.comment === undefined ? {} : { comment: f.comment }),
        },
      }),
    deleteFeedback: (threadId, messageId) => enqueue(threadId, { kind: "delete_feedback", forId: messageId }),
    updateThread: (threadId, patch) => enqueue(threadId, { kind: "thread_patch", threadId, patch }),
    flush,
    close: async () => {
      try {
        await flush();
      } finally {
        closed = true;
      }
    },
    stats: () => ({ ...counts }),
    congested: () => queue.length * 2 >= maxQueue,
  };
}
