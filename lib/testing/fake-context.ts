// Contexts with no server and no socket: they record every frame the handler sends, for unit tests. Typed as a
// real session types them: a task's ChatContext, or an event handler's narrower EventContext.
import { TaskAborted } from "../context/abort.ts";
import { memoryGrants, type ToolGrants } from "../context/approve.ts";
import { type ChatContext, createContext, createEventContext, type EventContext } from "../context/context.ts";
import { Incoming } from "../context/incoming.ts";
import type { ContextInit } from "../context/init.ts";
import { createStateStore } from "../context/state.ts";
import type { ThreadChanges } from "../context/thread.ts";
import { createFileSigner } from "../data/file-signer.ts";
import { createMemoryFileStore } from "../data/memory-files.ts";
import type { HistoryMessage, IncomingMessage } from "../hooks/payloads.ts";
import type { HookTable } from "../hooks/table.ts";
import { createRecordingLogger, type LogEntry } from "../logger.ts";
import type { OutgoingFrame, OutgoingOf, ServerFrameType } from "../protocol/server.ts";
import type { SettingsValues } from "../protocol/settings.ts";
import type { User } from "../protocol/views.ts";
import { ActionBook } from "../session/actions.ts";
import { AskBook } from "../session/asks.ts";
import { CommandBook } from "../session/chat-commands.ts";
import { ChosenIds } from "../session/chosen-ids.ts";
import { ModeBook } from "../session/modes.ts";
import { OpenStreams, refusesSends, stopReasonOf } from "../session/open-streams.ts";
import { SettingsBook } from "../session/settings.ts";
import { Transcript } from "../session/transcript.ts";
import { UsageBook } from "../session/usage.ts";
import { FakeConnection } from "./fake-connection.ts";
import { type FakeMcpServers, fakeMcp } from "./fake-mcp.ts";
import { type FakeTurn, nextAttempt } from "./fake-turn.ts";
import { userMessage } from "./user-message.ts";

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
  /** The longest ask timeout (BAD_ASK_TIMEOUT beyond it). Default 24 h, as the gateway's. */
  readonly maxAskTimeoutMs?: number | undefined;
  /** UTF-8 bytes a streamed message may reach (STREAM_TOO_LONG beyond it). Default 4 MiB, as the gateway's. */
  readonly maxStreamBytes?: number | undefined;
  /** The conversation so far (`ctx.history()`); what the handler sends is added to it. */
  readonly history?: readonly HistoryMessage[] | undefined;
  /** The user's values of the app's declared keys (`ctx.userEnv`). */
  readonly userEnv?: Readonly<Record<string, string>> | undefined;
  /** The session's settings values (`ctx.settings`), as if the user had chosen them. */
  readonly settings?: SettingsValues | undefined;
  /** Messages the user sent mid-reply, waiting for `ctx.incoming()` / `ctx.takeIncoming()` (as under
   * `midReply: "steer"`). Giving it, even `[]`, opens the inbox; `ctx.sendIncoming` adds more while the handler runs. */
  readonly incoming?: readonly (string | IncomingMessage)[] | undefined;
  /** The session's MCP servers (`ctx.mcp`) as plain functions: `{ weather: { forecast: (args) => "Sunny" } }`.
   * Calls show as tool steps in `sent`; `ctx.mcp.client(name)` is undefined. Default: no servers. */
  readonly mcp?: FakeMcpServers | undefined;
  /** Sticky tool approvals (`ctx.approve`), e.g. one `memoryGrants()` shared by two fake contexts, as one session's
   * turns share them. Default: this context's own, empty. */
  readonly grants?: ToolGrants | undefined;
  /** A durable turn (`fakeTurn()`) this context is the next attempt of: its steps are memoised and its asks stored
   * there, and ids are derived from the turn, as on a server with persistence (docs/testing.md#durable-turns). */
  readonly turn?: FakeTurn | undefined;
}

/** What a fake context records of what the handler did, and how the test aborts its signal or drops its client. */
export interface ContextRecording {
  /** Every frame sent, in order (without `seq`), whether or not the client was connected. */
  readonly sent: OutgoingFrame[];
  /** Every frame the client received, in order: those sent while it was connected, and on `reconnect()` those
   * sent while it was not. */
  readonly received: OutgoingFrame[];
  /** The client's connection drops (as a network failure): the handler goes on, its frames are held. */
  dropConnection(): void;
  /** The client resumes: the frames sent while it was away are received, in order, and returned. */
  reconnect(): OutgoingFrame[];
  /** Whether the client is connected (true until `dropConnection()`, again after `reconnect()`). */
  isConnected(): boolean;
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
  /** Aborts the handler's signal as chatwire would (`stop`, `disconnect`, …). In a task's context, `stop`, `timeout`
   * and `superseded` also end its open streams with what was streamed and refuse its later sends, as a session does. */
  abort(kind: TaskAborted["kind"]): void;
}

/** A ChatContext (what a task gets) that records what it sends, and lets the test answer asks and abort the task. */
export interface FakeContext<S extends object> extends ChatContext<S>, ContextRecording {
  /** Answers the oldest open ask with text, or with the action of that name. Throws UNKNOWN_ASK if none is open. */
  answer(reply: { content: string } | { actionName: string }): void;
  /** The user sends a message while the handler runs (`midReply: "steer"`): `ctx.incoming()` yields it. False when
   * the context has no inbox (created without `incoming`). */
  sendIncoming(message: string | IncomingMessage): boolean;
  /** Which of the messages given to the inbox the handler read, by content, in order. */
  readonly incomingRead: string[];
}

/** An EventContext (what onFeedback, onWindowMessage, the audio hooks, onStop and onChatEnd get) that records. */
export interface FakeEventContext<S extends object> extends EventContext<S>, ContextRecording {}

/** A context's parts, recording what goes through them. `task`: gated as a session gates a task's sends. */
function recordingParts<S extends object>(options: FakeContextOptions<S>, task: boolean) {
  const sent: OutgoingFrame[] = [];
  const connection = new FakeConnection();
  const streams = new OpenStreams();
  let aborted: TaskAborted | undefined;
  const threadChanges: ThreadChanges[] = [];
  const logger = createRecordingLogger();
  const controller = new AbortController();
  const asks = new AskBook();
  const transcript = new Transcript();
  transcript.seed(options.history ?? []);
  const chosenIds = new ChosenIds();
  let next = 0;
  const journal = options.turn === undefined ? undefined : nextAttempt(options.turn);
  const fixed = new Date("2026-01-01T00:00:00.000Z");
  const init: ContextInit<S> = {
    sessionId: options.sessionId ?? "session1",
    threadId: options.threadId ?? "thread1",
    user: options.user,
    chatProfile: options.chatProfile,
    userEnv: options.userEnv,
    state: createStateStore<S>(options.state),
    log: logger,
    emit: (frame) => {
      // As the session's task lane: once stopped, nothing more of the task goes out but the close of its asks.
      if (task && aborted !== undefined && refusesSends(aborted) && frame.type !== "ask_end") throw aborted;
      record(frame);
    },
    renameAuthor: options.hooks?.authorRename,
    asks,
    actions: new ActionBook(),
    settings: new SettingsBook(options.settings),
    commands: new CommandBook(),
    modes: new ModeBook(),
    history: () => transcript.messages(),
    usage: new UsageBook(undefined),
    newId: journal?.idsUnder("") ?? (() => `id${++next}`),
    turn: journal,
    claimId: (id) => chosenIds.claim(id, transcript.has(id)),
    now: options.now ?? (() => fixed),
    askTimeoutMs: options.askTimeoutMs ?? 60_000,
    maxAskTimeoutMs: options.maxAskTimeoutMs ?? 24 * 3600 * 1000,
    maxStreamBytes: options.maxStreamBytes ?? 4 * 1024 * 1024,
    // Elements with bytes are stored in memory, as a gateway without persistence would.
    files: { store: createMemoryFileStore(), signer: createFileSigner(undefined), maxElementBytes: 20 * 1024 * 1024 },
    mcp: fakeMcp(options.mcp),
    grants: options.grants ?? memoryGrants(),
    thread: {
      updateThread: (changes) => {
        threadChanges.push(changes);
      },
    },
  };
  function record(frame: OutgoingFrame): void {
    sent.push(frame);
    transcript.record(frame);
    streams.observe(frame);
    connection.deliver(frame);
  }
  const abort = (kind: TaskAborted["kind"]) => {
    aborted ??= new TaskAborted(kind); // the first reason wins, as in a session
    controller.abort(aborted);
    if (task && refusesSends(aborted)) for (const end of streams.cut(stopReasonOf(aborted.kind))) record(end);
  };
  const sentOf = <T extends ServerFrameType>(type: T) =>
    sent.filter((frame): frame is OutgoingOf<T> => frame.type === type);
  const recording: ContextRecording = {
    sent,
    received: connection.received,
    dropConnection: () => connection.drop(),
    reconnect: () => connection.reconnect(),
    isConnected: () => connection.connected,
    sentOf,
    texts: () =>
      sent.flatMap((frame) => {
        if (frame.type === "message_new" || frame.type === "ask") return [frame.message.content];
        if (frame.type === "stream_end") return [frame.content];
        return [];
      }),
    logs: logger.entries,
    threadChanges,
    threadState: (): ThreadChanges => Object.assign({}, ...threadChanges),
    abort,
  };
  return { init, signal: controller.signal, asks, sentOf, recording };
}

/**
 * Creates a fake task context (what onMessage, onChatStart, onChatResume and action callbacks get) for
 * unit-testing a handler without a server.
 * @example
 * const ctx = createFakeContext({ state: { turns: 0 } });
 * await echo(ctx, { id: "m1", content: "hi", createdAt: "" });
 * assert.deepEqual(ctx.texts(), ["echo: hi"]);
 */
export function createFakeContext<S extends object = Record<string, unknown>>(
  options: FakeContextOptions<S> = {},
): FakeContext<S> {
  const { init, signal, asks, sentOf, recording } = recordingParts(options, true);
  const answer = (reply: { content: string } | { actionName: string }) => {
    const ask = sentOf("ask").find((frame) => asks.ids().includes(frame.askId));
    const askId = ask?.askId ?? "none";
    if ("content" in reply) asks.answer({ type: "ask_reply", askId, content: reply.content });
    else {
      const action = ask?.message.actions.find((candidate) => candidate.name === reply.actionName);
      asks.answer({ type: "ask_reply", askId, actionId: action?.id ?? "none" });
    }
  };
  const incoming = new Incoming(options.incoming !== undefined);
  const incomingRead: string[] = [];
  const sendIncoming = (message: string | IncomingMessage) => {
    const full = typeof message === "string" ? userMessage(message) : message;
    return incoming.offer(async () => {
      incomingRead.push(full.content);
      return full;
    });
  };
  for (const message of options.incoming ?? []) sendIncoming(message);
  return Object.assign(createContext<S>(init, { signal, incoming }), recording, { answer, sendIncoming, incomingRead });
}

/**
 * Creates a fake event context: what an event handler (onFeedback, onWindowMessage, the audio hooks, onStop,
 * onChatEnd) gets. Its type has no asks and no stream, as in a real session.
 * @example
 * const ctx = createFakeEventContext();
 * await onRating(ctx, { id: "fb1", messageId: "m1", value: 0 });
 * assert.deepEqual(ctx.texts(), ["Sorry about that. What went wrong?"]);
 */
export function createFakeEventContext<S extends object = Record<string, unknown>>(
  options: FakeContextOptions<S> = {},
): FakeEventContext<S> {
  const { init, signal, recording } = recordingParts(options, false);
  return Object.assign(createEventContext<S>(init, signal), recording);
}
