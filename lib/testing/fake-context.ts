// A ChatContext with no server and no socket: it records every frame the handler sends, for unit tests.
import { TaskAborted } from "../context/abort.ts";
import { ActionBook } from "../context/actions.ts";
import { AskBook } from "../context/asks.ts";
import { type ChatContext, createContext } from "../context/context.ts";
import { createRecordingLogger, type LogEntry } from "../context/logger.ts";
import { createSessionStore } from "../context/store.ts";
import type { ThreadChanges } from "../context/thread.ts";
import type { HookTable } from "../hooks/table.ts";
import type { OutgoingFrame, OutgoingOf, ServerFrameType } from "../protocol/server.ts";
import type { User } from "../protocol/views.ts";

/** Options of a fake context. Ids are deterministic ("id1", "id2", …) and the clock is fixed unless given. */
export interface FakeContextOptions<S extends object> {
  readonly state?: Partial<S> | undefined;
  readonly user?: User | undefined;
  readonly chatProfile?: string | undefined;
  readonly sessionId?: string | undefined;
  readonly threadId?: string | undefined;
  /** Applied to outgoing authors, like a registered `authorRename`. */
  readonly hooks?: Pick<HookTable<S>, "authorRename"> | undefined;
  readonly now?: (() => Date) | undefined;
  readonly askTimeoutMs?: number | undefined;
}

/** A ChatContext that records what it sends, and lets the test answer asks and abort the task. */
export interface FakeContext<S extends object> extends ChatContext<S> {
  /** Every frame sent, in order (without `seq`). */
  readonly sent: OutgoingFrame[];
  /** The frames of one type. */
  sentOf<T extends ServerFrameType>(type: T): OutgoingOf<T>[];
  /** The content of every message sent (message_new), streamed (final content) or asked, in order. */
  texts(): string[];
  /** Every log call. */
  readonly logs: LogEntry[];
  /** Every `ctx.thread` change, in order (what persistence would have written). */
  readonly threadChanges: ThreadChanges[];
  /** The thread as those changes leave it: the last name, tags and metadata set. */
  threadState(): ThreadChanges;
  /** Answers the oldest open ask with text, or with the action of that name. Throws UNKNOWN_ASK if none is open. */
  answer(reply: { content: string } | { actionName: string }): void;
  /** Aborts the task's signal as chatwire would (`stop`, `disconnect`, …). */
  abort(kind: TaskAborted["kind"]): void;
}

/**
 * Creates a fake context for unit-testing a handler without a server.
 * @example
 * const ctx = createFakeContext({ state: { turns: 0 } });
 * await echo(ctx, { id: "m1", content: "hi", createdAt: "" });
 * assert.deepEqual(ctx.texts(), ["echo: hi"]);
 */
export function createFakeContext<S extends object = Record<string, unknown>>(
  options: FakeContextOptions<S> = {},
): FakeContext<S> {
  const sent: OutgoingFrame[] = [];
  const threadChanges: ThreadChanges[] = [];
  const logger = createRecordingLogger();
  const controller = new AbortController();
  const asks = new AskBook();
  const actions = new ActionBook();
  let next = 0;
  const fixed = new Date("2026-01-01T00:00:00.000Z");
  const ctx = createContext<S>(
    {
      sessionId: options.sessionId ?? "session1",
      threadId: options.threadId ?? "thread1",
      user: options.user,
      chatProfile: options.chatProfile,
      store: createSessionStore<S>(options.state),
      log: logger,
      emit: (frame) => {
        sent.push(frame);
      },
      renameAuthor: options.hooks?.authorRename,
      asks,
      actions,
      newId: () => `id${++next}`,
      now: options.now ?? (() => fixed),
      askTimeoutMs: options.askTimeoutMs ?? 60_000,
      thread: {
        updateThread: (changes) => {
          threadChanges.push(changes);
        },
      },
    },
    controller.signal,
  );
  const sentOf = <T extends ServerFrameType>(type: T) =>
    sent.filter((frame): frame is OutgoingOf<T> => frame.type === type);
  const texts = () =>
    sent.flatMap((frame) => {
      if (frame.type === "message_new" || frame.type === "ask") return [frame.message.content];
      if (frame.type === "stream_end") return [frame.content];
      return [];
    });
  const answer = (reply: { content: string } | { actionName: string }) => {
    const ask = sentOf("ask").find((frame) => asks.ids().includes(frame.askId));
    const askId = ask?.askId ?? "none";
    if ("content" in reply) asks.answer({ type: "ask_reply", askId, content: reply.content });
    else {
      const action = ask?.message.actions.find((candidate) => candidate.name === reply.actionName);
      asks.answer({ type: "ask_reply", askId, actionId: action?.id ?? "none" });
    }
  };
  return Object.assign(ctx, {
    sent,
    sentOf,
    texts,
    logs: logger.entries,
    threadChanges,
    threadState: (): ThreadChanges => Object.assign({}, ...threadChanges),
    answer,
    abort: (kind: TaskAborted["kind"]) => controller.abort(new TaskAborted(kind)),
  });
}
