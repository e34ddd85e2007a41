// The recorder: how the gateway persists what it emits. Calls never block and never throw; writes go through a
// bounded FIFO queue (write-queue.ts), committed in batches, one transaction each. `flush()` is the durability point.
import type { Feedback } from "../hooks/payloads.ts";
import type { Logger } from "../logger.ts";
import { silentLogger } from "../logger.ts";
import type { OutgoingFrame } from "../protocol/server.ts";
import type { ElementView, MessageView, User } from "../protocol/views.ts";
import {
  type DataLayer,
  type DataWrite,
  NAME_MAX,
  type NewThread,
  type StoredElement,
  type ThreadPatch,
} from "./layer.ts";
import { LossLedger, type LostEntry } from "./losses.ts";
import type { TurnWrite } from "./turns.ts";
import { DEFAULT_DATA_TIMEOUT_MS } from "./unavailable.ts";
import { createWriteQueue, type LostWrites } from "./write-queue.ts";

/** Why some writes were not stored: the database refused them or stayed locked or away past their deadline
 * (write_failed), the queue was full (queue_full), or a stream ended unseen (unknown_stream). */
export interface RecorderFailure extends Omit<LostWrites, "reason"> {
  readonly reason: LostWrites["reason"] | "unknown_stream";
}

/** What `flush()` rejects with when writes of the flushed thread(s) were lost since the last flush. */
export class PersistenceError extends Error {
  override name = "PersistenceError";
  readonly failure: RecorderFailure;

  constructor(failure: RecorderFailure) {
    super(`${failure.writes} write(s) not persisted (${failure.reason})`, { cause: failure.error });
    this.failure = failure;
  }
}

/** Options of `createRecorder`. */
export interface RecorderOptions {
  readonly log?: Logger;
  /** Writes waiting at most; past it new writes are dropped and reported (queue_full). Default 10 000. */
  readonly maxQueue?: number;
  /** Writes per transaction at most, durable turns' starts and ends not counted (a transaction holds at most twice
   * as many writes in all). Default 500. */
  readonly maxBatch?: number;
  /** How long a write may wait for a database that is locked (SQLite, by another process) or away (PostgreSQL)
   * after it was recorded; then it is lost and reported (write_failed). The event loop is never held meanwhile.
   * Default 5000. */
  readonly writeTimeoutMs?: number;
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
  /** The files the user attached, as elements of the message. */
  readonly elements?: readonly ElementView[];
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
  /** Queues a durable turn's record or step output (turns.ts), in order with the thread's other writes. */
  recordTurn(threadId: string, write: TurnWrite): void;
  /** Stops following the open streams `ids` without writing what they streamed since their last write: the streams
   * of a durable turn another node took over (docs/durability.md#fencing), whose content is that node's to store. */
  forgetStreams(ids: readonly string[]): void;
  /**
   * Writes the content streamed so far, then resolves once every write queued before the call is committed.
   * Rejects with PersistenceError if one of those writes of `threadId` (of any thread, without it) was lost while
   * it waited, or if an earlier loss of that thread was not yet reported to any flush.
   */
  flush(threadId?: string): Promise<void>;
  /** Like `flush(threadId)`, but reports nothing: for a reader (a session reopening the thread) that must see what
   * was queued before it, while any loss stays for the writers' own flush to report. Never rejects. */
  settle(threadId: string): Promise<void>;
  /** Flushes, then refuses further writes (they are reported as dropped). Does not close the layer. */
  close(): Promise<void>;
  stats(): RecorderStats;
  /** Whether a quarter of the queue is taken: producers that can wait (the next turn of a session) should. */
  congested(): boolean;
}

interface OpenStream {
  readonly threadId: string;
  message: MessageView;
  content: string;
  /** The content last queued for writing, to skip flushing a stream that did not change (undefined: write). */
  written: string | undefined;
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
  const streams = new Map<string, OpenStream>();
  const losses = new LossLedger<RecorderFailure>();
  const counts = { queued: 0, written: 0, failed: 0, dropped: 0 };

  const report = (failure: RecorderFailure, entries: readonly LostEntry[]): void => {
    if (failure.reason === "write_failed") counts.failed += failure.writes;
    else counts.dropped += failure.writes;
    losses.lose(failure, entries);
    log.error({ err: failure.error, reason: failure.reason, threadIds: failure.threadIds }, "persistence lost writes");
    try {
      options.onError?.(failure);
    } catch (error) {
      log.error({ err: error }, "recorder onError threw");
    }
  };

  const queue = createWriteQueue(layer, {
    maxQueue: options.maxQueue ?? 10_000,
    maxBatch: options.maxBatch ?? 500,
    writeTimeoutMs: options.writeTimeoutMs ?? DEFAULT_DATA_TIMEOUT_MS,
    onWritten: (writes) => {
      counts.written += writes;
    },
    onLost: report,
  });
  const enqueue = (threadId: string, write: DataWrite): void => {
    if (queue.push(threadId, write)) counts.queued += 1;
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
    for (const element of elements ?? []) writeElement(threadId, element, message.id);
  };
  const writeElement = (threadId: string, view: ElementView, forId: string | undefined): void => {
    const { id, name, url, mime, display, kind, props } = view;
    const element: StoredElement = {
      id,
      name,
      ...(url === undefined ? {} : { url }),
      ...(forId === undefined ? {} : { forId }),
      ...(mime === undefined ? {} : { mime }),
      ...(display === undefined ? {} : { display }),
      ...(kind === undefined ? {} : { kind }),
      ...(props === undefined ? {} : { props }),
    };
    enqueue(threadId, { kind: "element", threadId, element });
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
        if (stream !== undefined) stream.content = frame.replace === true ? frame.token : stream.content + frame.token;
        return;
      }
      case "stream_end": {
        const stream = streams.get(frame.id);
        streams.delete(frame.id);
        if (stream === undefined) {
          report({ reason: "unknown_stream", threadIds: [threadId], writes: 1 }, [
            { threadId, seq: queue.mark() + 0.5 },
          ]);
          return;
        }
        stream.content = frame.content;
        if (frame.stopped !== undefined) {
          // A cut answer is stored with its reason, even when its content was already written.
          stream.message = { ...stream.message, stopped: frame.stopped };
          stream.written = undefined;
        }
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
      case "element":
        writeElement(threadId, frame.element, frame.forId);
        return;
      case "remove_elements":
        for (const id of frame.ids) enqueue(threadId, { kind: "delete_element", id });
        return;
      // Session plumbing, not conversation: nothing to store (a history frame replays what is stored already).
      case "thread_history":
      case "task_start":
      case "task_end":
      case "ask_end":
      case "window_message":
      case "audio_state":
      case "audio_output": // output audio is never stored: it plays once
      case "audio_interrupt":
      case "audio_dropped":
      case "feedback_saved":
      case "sidebar":
      case "error":
      case "chat_settings":
      case "starters":
      case "commands":
      case "toast":
      case "modes":
      case "notice":
      case "message_steered": // the message itself is stored as a user message when the task reads it
      case "usage": // the thread's sums are stored in its metadata by the session
      case "step_token": // the step's next `step` frame (at the latest its end) carries the whole text
      case "mcp_connected": // a session's MCP servers end with it: never part of the stored thread
      case "mcp_disconnected":
      case "follow": // another session's turn: that session stores it
      case "favorites": // a listing; the flags themselves are in the threads' metadata (ThreadLink.setFavorite)
        return;
      default:
        frame satisfies never;
    }
  };

  const flush = async (threadId?: string): Promise<void> => {
    for (const [id, stream] of streams)
      if (threadId === undefined || stream.threadId === threadId) writeStream(id, stream);
    const waiting = losses.wait(threadId, queue.mark());
    await queue.settled(waiting.target);
    const failure = losses.done(waiting);
    if (failure !== undefined) throw new PersistenceError(failure);
  };

  const settle = async (threadId: string): Promise<void> => {
    for (const [id, stream] of streams) if (stream.threadId === threadId) writeStream(id, stream);
    await queue.settled(queue.mark());
  };

  return {
    settle,
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
        ...(m.elements === undefined || m.elements.length === 0 ? {} : { elements: [...m.elements] }),
      };
      writeMessage(threadId, message);
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
    recordTurn: enqueue,
    forgetStreams: (ids) => {
      for (const id of ids) streams.delete(id);
    },
    flush,
    close: async () => {
      try {
        await flush();
      } finally {
        queue.close();
      }
    },
    stats: () => ({ ...counts }),
    congested: queue.congested,
  };
}
