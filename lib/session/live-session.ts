// One chat session: what each command means. It composes its parts — the two lanes, the outbox, the asks and
// action buttons, audio input, feedback, the thread link — each with its own state, and shows the layers above only
// the `Session` interface (session.ts).

import { nanoid } from "nanoid";
import { type AbortKind, isAbortOf, TaskAborted } from "../context/abort.ts";
import { memoryGrants } from "../context/approve.ts";
import type { ContextInit } from "../context/init.ts";
import { createStateStore } from "../context/state.ts";
import type { LoadedThread } from "../data/layer.ts";
import { ChatwireError, type ErrorCode } from "../errors.ts";
import { type HookSource, LiveTable, tableOf } from "../hooks/live-table.ts";
import type { ChatFile, HistoryMessage, IncomingMessage } from "../hooks/payloads.ts";
import type { HookTable } from "../hooks/table.ts";
import type { McpTransport } from "../protocol/mcp.ts";
import type { FollowedFrame, OutgoingFrame, ServerFrameOf } from "../protocol/server.ts";
import type { JsonObject, User } from "../protocol/views.ts";
import { ActionBook, pressedAction } from "./actions.ts";
import { AskBook } from "./asks.ts";
import { AudioInput } from "./audio.ts";
import { AudioOutput, type AudioOutputHost } from "./audio-output.ts";
import { CommandBook } from "./chat-commands.ts";
import { ChosenIds } from "./chosen-ids.ts";
import type { SessionCommand } from "./commands.ts";
import { SessionTurns } from "./durable-turns.ts";
import { type FavoritesDesk, NO_FAVORITES, receiveFavorite, sendFavorites } from "./favorites.ts";
import { receiveFeedback } from "./feedback.ts";
import { claimFiles, fileElements } from "./files.ts";
import { EventLane, type LaneHost, TaskLane } from "./lanes.ts";
import { McpDesk, mcpTransports } from "./mcp-desk.ts";
import { ModeBook } from "./modes.ts";
import { Outbox, type OutboxEvents } from "./outbox.ts";
import type { Announcement, Session, SessionInit, SessionLimits } from "./session.ts";
import { SettingsBook, SettingsError } from "./settings.ts";
import { type FrameSink, GOING_AWAY, REPLACED } from "./sink.ts";
import { answerStoredAsk } from "./stored-asks.ts";
import { ThreadIds } from "./thread-ids.ts";
import type { ThreadLink } from "./thread-link.ts";
import { isFollowed, type ThreadViewers } from "./thread-viewers.ts";
import type { FrameTracer } from "./traces.ts";
import { Transcript } from "./transcript.ts";
import { recoverTurns } from "./turn-recovery.ts";
import { UsageBook } from "./usage.ts";

/**
 * Opens a session. Attach a sink, `start()` it, then hand it commands.
 * @example
 * const session = createSession({ hooks: chat.seal(), limits, log });
 * session.attach(sink, 0);
 * session.start();
 * session.receive({ type: "user_message", id: "m1", content: "hi" });
 */
export function createSession<S extends object>(init: SessionInit<S>): Session {
  return new LiveSession(init);
}

/** Whether `work` settles within `ms`; a rejection is rethrown, a late settlement is ignored. */
async function settlesWithin(work: unknown, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([Promise.resolve(work).then(() => true as const), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The client's id for a command, which errors about it carry as `replyTo`: an ask reply is known by its ask. */
function replyToOf(command: SessionCommand): string | undefined {
  if (command.type === "ask_reply") return command.askId;
  return "id" in command ? command.id : undefined;
}

const now = () => new Date();

/** A user message's queued turn: `superseded` by a newer message (`interrupt`), or `taken` by the task that was
 * running when it came (`steer`). */
interface WaitingTurn {
  superseded: boolean;
  taken: boolean;
}

/** About how many bytes `data` took on the wire; JSON too deep to serialise again counts as a full 1 MiB frame. */
function jsonBytes(data: unknown): number {
  try {
    return JSON.stringify(data ?? null).length;
  } catch {
    return 1024 * 1024;
  }
}

/** The shutdown notice, sent before the sink of a session the server ends is closed. */
const going: ServerFrameOf<"shutdown"> = { seq: 0, type: "shutdown", reason: "server shutting down" };
const GOING = JSON.stringify(going);

/**
 * The session behind the `Session` interface. Its parts report back through its methods, not closures: tens of
 * thousands of idle sessions each pay for every closure they hold. Not exported: nothing outside session/ reaches
 * its parts.
 */
class LiveSession<S extends object> implements Session, LaneHost<S>, OutboxEvents, AudioOutputHost {
  readonly id = nanoid();
  readonly resumeToken = nanoid(32);
  readonly parts: ContextInit<S>;
  readonly #source: HookSource<S>;
  readonly #limits: SessionLimits;
  readonly #outbox: Outbox;
  readonly #link: ThreadLink | undefined;
  /** Makes the ids of this thread's messages and steps, and recognises them. */
  readonly #ids: ThreadIds;
  readonly #asks: AskBook;
  readonly #actions = new ActionBook();
  readonly #settings: SettingsBook;
  readonly #commands = new CommandBook();
  readonly #modes = new ModeBook();
  readonly #transcript = new Transcript();
  readonly #chosenIds = new ChosenIds();
  readonly #usage: UsageBook;
  readonly #tasks: TaskLane<S>;
  readonly #events: EventLane<S>;
  /** Made at the first audio command: most sessions never record. */
  #audio: AudioInput<S> | undefined;
  readonly #output: AudioOutput;
  readonly #registry: SessionInit<S>["registry"];
  /** Until start(): shown on a new conversation. */
  #starters: SessionInit<S>["starters"];
  readonly #files: SessionInit<S>["files"];
  #expiry: NodeJS.Timeout | undefined;
  #ended: Promise<void> | undefined;
  /** Set once the session has fully ended (after onChatEnd): later sends from handlers throw SESSION_CLOSED. */
  #closed = false;
  /** Message turns queued and not started yet, under `interrupt`: a newer message supersedes them. */
  readonly #waitingTurns = new Set<WaitingTurn>();
  /** The MCP servers the user added; made at the first `mcp_connect` (the SDK loads only then). */
  /** Made at the first MCP command (`#mcpDesk`). */
  #mcp: McpDesk<S> | undefined;
  readonly #mcpPolicy: SessionInit<S>["mcp"];
  /** The session's trace spans, when the app installed @opentelemetry/api. */
  readonly #traces: FrameTracer | undefined;
  readonly #favorites: FavoritesDesk<S>;
  /** Message turns' records and step memos, when persistence keeps turns durable. */
  readonly #durable: SessionTurns | undefined;
  /** The node's followers of threads: this session follows its thread's other sessions, and they follow it. */
  readonly #viewers: ThreadViewers | undefined;

  constructor(init: SessionInit<S>) {
    const { limits } = init;
    this.#source = init.hooks;
    this.#limits = limits;
    this.#outbox = new Outbox(limits, this);
    this.#registry = init.registry;
    this.#starters = init.starters;
    this.#files = init.files;
    const access = init.favorites ?? NO_FAVORITES;
    this.#link = init.link;
    this.#viewers = init.viewers;
    this.#durable =
      init.durableTurns === undefined || init.link === undefined
        ? undefined
        : new SessionTurns(init.durableTurns, init.link, init.log, () => this.user?.identifier);
    const steer = limits.midReply === "steer";
    this.#tasks = new TaskLane(
      limits.maxQueuedTasks,
      limits.maxQueuedTaskBytes,
      this,
      limits.taskTimeoutMs,
      init.link,
      steer,
      init.turns,
    );
    this.#events = new EventLane(limits.maxQueuedEvents, limits.maxQueuedEventBytes, this);
    this.#mcpPolicy = init.mcp;
    this.#asks = new AskBook(limits.maxPendingAsks);
    this.#favorites = { host: this, events: this.#events, transcript: this.#transcript, link: init.link, access };
    this.#output = new AudioOutput(this, this.#outbox, limits.maxAudioBufferedBytes);
    const threadId = init.threadId ?? nanoid();
    this.#ids = new ThreadIds(threadId);
    this.#traces = init.tracing?.forSession(this.id, threadId);
    this.#settings = new SettingsBook(init.restoredSettings);
    // The thread's sums are saved with it after each report: a crash loses none of them.
    this.#usage = new UsageBook(init.restoredUsage, () => this.#saveConversation());
    const session = this;
    this.parts = {
      sessionId: this.id,
      threadId,
      user: init.user,
      chatProfile: init.chatProfile,
      userEnv: init.userEnv,
      state: createStateStore<S>(init.restoredState ?? init.initialState?.(), limits.maxStoreBytes),
      log: init.log,
      emit: (frame) => this.emit(frame),
      renameAuthor: init.hooks instanceof LiveTable ? init.hooks.renameAuthor : init.hooks.authorRename,
      asks: this.#asks,
      actions: this.#actions,
      settings: this.#settings,
      commands: this.#commands,
      modes: this.#modes,
      history: () => this.#transcript.messages(),
      usage: this.#usage,
      newId: () => this.#ids.next(),
      claimId: (id) => this.#chosenIds.claim(id, this.#transcript.has(id)),
      now,
      askTimeoutMs: limits.askTimeoutMs,
      maxAskTimeoutMs: limits.maxAskTimeoutMs,
      maxStreamBytes: limits.maxStreamBytes,
      files: init.files,
      thread: init.link,
      audio: this.#output,
      grants: init.grants ?? memoryGrants(),
      get mcp() {
        return session.#mcp?.book;
      },
      spans: this.#traces,
    };
  }

  /** The hook table as it is now: a reload may have swapped it since the last turn, while a running turn keeps the
   * function it already called. */
  get #hooks(): HookTable<S> {
    return tableOf(this.#source);
  }

  get threadId(): string {
    return this.parts.threadId;
  }
  get user(): User | undefined {
    return this.parts.user;
  }
  get chatProfile(): string | undefined {
    return this.parts.chatProfile;
  }
  get seq(): number {
    return this.#outbox.seq;
  }
  get attached(): boolean {
    return this.#outbox.attached;
  }
  get ended(): boolean {
    return this.#ended !== undefined;
  }
  get closed(): boolean {
    return this.#closed;
  }

  start(thread?: LoadedThread): void {
    this.#viewers?.join(this.threadId, this);
    const { onChatStart, onChatResume, chatSettings, commands, modes } = this.#hooks;
    if (modes !== undefined) {
      this.#modes.set(modes);
      this.notify({ type: "modes", modes: [...modes] });
    }
    if (commands !== undefined) {
      this.#commands.set(commands);
      this.notify({ type: "commands", commands: [...commands] });
    }
    if (chatSettings !== undefined) {
      const values = this.#settings.declare(chatSettings.inputs);
      this.notify({ type: "chat_settings", inputs: [...chatSettings.inputs], values });
    }
    if (this.#favorites.access.on) this.#events.run("favorites", undefined, () => sendFavorites(this.#favorites));
    const starters = this.#starters;
    this.#starters = undefined;
    if (thread === undefined) {
      if (starters !== undefined && starters.length > 0) this.notify({ type: "starters", starters: [...starters] });
      if (onChatStart !== undefined) this.#tasks.run("onChatStart", undefined, (ctx) => onChatStart(ctx));
      return;
    }
    const { id: threadId, name, steps } = thread;
    this.#chosenIds.seed(steps.map((step) => step.id));
    this.#transcript.seed(
      steps.flatMap((step) =>
        step.kind === "message"
          ? [{ id: step.id, role: step.role, author: step.author, content: step.content, createdAt: step.createdAt }]
          : [],
      ),
    );
    this.notify({ type: "thread_history", threadId, steps: [...steps], ...(name ? { name } : {}) });
    if (onChatResume !== undefined) this.#tasks.run("onChatResume", undefined, (ctx) => onChatResume(ctx, thread));
    this.#reopened = thread;
    if (this.#durable !== undefined) this.#recovering = recoverTurns(this.#recoveryHost(), this.#durable, thread);
  }

  /** The reopened thread's orphans being looked up and claimed (recoverTurns never rejects). */
  #recovering: Promise<void> | undefined;

  /** Settles once the reopened thread's orphans were looked up (those claimed queued as tasks) and every task has
   * run, or a task waits on an ask: when a headless session (lib/gateway/headless-session.ts) has nothing more to do. */
  async settled(): Promise<void> {
    await this.#recovering;
    while (this.#asks.size === 0 && !(await settlesWithin(this.#tasks.idle(), 250)));
  }

  /** The thread this session reopened, as loaded: where a stored ask's answer recovers its turn. */
  #reopened: LoadedThread | undefined;

  /** What turn recovery needs of this session (made only when a reopened thread is looked at). */
  #recoveryHost() {
    const session = this;
    return {
      get hooks() {
        return session.#hooks;
      },
      get ended() {
        return session.ended;
      },
      log: this.parts.log,
      notify: (frame: OutgoingFrame) => this.notify(frame),
      emitError: (code: ErrorCode, message: string, replyTo?: string) => this.emitError(code, message, replyTo),
      runTask: (hook: string, run: Parameters<TaskLane<S>["run"]>[2], turn: Parameters<TaskLane<S>["run"]>[5]) =>
        this.#tasks.run(hook, undefined, run, 0, undefined, turn),
    };
  }

  receive(command: SessionCommand): void {
    try {
      this.#receive(command);
    } catch (error) {
      // A command that cannot be done is the client's mistake, not a handler's failure: onError is not told.
      this.#report(command.type, error, replyToOf(command));
    }
  }

  /** One switch over every command; `satisfies never` makes tsc fail on a command nothing handles. */
  #receive(command: SessionCommand): void {
    switch (command.type) {
      case "user_message":
        this.#checkMessageBytes(command.content);
        if (command.command !== undefined) this.#commands.check(command.command);
        this.#userMessage(
          command.id,
          command.content,
          command.command,
          this.#modes.choices(command.modes),
          command.files ?? [],
        );
        return;
      case "action_call": {
        const { action, callback } = pressedAction(this.#actions, this.#hooks.actions, command.actionId);
        this.#tasks.run(`actionCallback("${action.name}")`, command.id, (ctx) => callback(ctx, action));
        return;
      }
      case "ask_reply":
        this.#askReply(command);
        return;
      case "stop": {
        this.#tasks.abort("stop");
        const onStop = this.#hooks.onStop;
        if (onStop !== undefined) this.#events.runAside("onStop", (ctx) => onStop(ctx));
        return;
      }
      case "feedback":
        receiveFeedback(
          { host: this, events: this.#events, ids: this.#ids, link: this.#link, onFeedback: this.#hooks.onFeedback },
          command,
        );
        return;
      case "window_message": {
        const { data } = command;
        const bytes = jsonBytes(data);
        this.#events.run("onWindowMessage", command.id, (ctx) => this.#hooks.onWindowMessage?.(ctx, data), bytes);
        return;
      }
      case "audio_start":
        // Barge-in at arrival, not on the event lane: a speech loop holding the lane must learn now.
        this.#audioInput().start(command, this.#output.bargeIn());
        return;
      case "audio_chunk":
        this.#audioInput().chunk(command);
        return;
      case "audio_end":
        this.#audioInput().end(command);
        return;
      case "ack":
        this.#outbox.ack(command.seq);
        return;
      case "settings_update":
        this.#settingsUpdate(command.values, command.id);
        return;
      case "edit_message":
        this.#checkMessageBytes(command.content);
        this.#editMessage(command.id, command.messageId, command.content);
        return;
      case "mcp_connect":
        this.#mcpDesk().connect(command);
        return;
      case "mcp_disconnect":
        this.#mcpDesk().disconnect(command);
        return;
      case "favorite":
        receiveFavorite(this.#favorites, command);
        return;
      default:
        throw new ChatwireError("UNKNOWN_FRAME", `no command ${JSON.stringify(command satisfies never)}`);
    }
  }

  /** Throws MESSAGE_TOO_LARGE for a user message's content over maxMessageBytes (UTF-8); nothing of it runs. */
  #checkMessageBytes(content: string): void {
    const max = this.#limits.maxMessageBytes;
    // UTF-8 takes at most 3 bytes per UTF-16 unit: count bytes only when the length alone cannot decide.
    if (content.length * 3 <= max || Buffer.byteLength(content) <= max) return;
    throw new ChatwireError("MESSAGE_TOO_LARGE", `a message's content is limited to ${max} bytes (maxMessageBytes)`);
  }

  get mcpTransports(): readonly McpTransport[] | undefined {
    return mcpTransports(this.#mcpPolicy, this.#hooks);
  }

  #mcpDesk(): McpDesk<S> {
    this.#mcp ??= new McpDesk(this.#mcpPolicy, {
      sessionId: this.id,
      log: this.parts.log,
      events: this.#events,
      hooks: () => this.#hooks,
      ended: () => this.ended,
      emit: (frame) => this.emit(frame),
      notify: (frame) => this.notify(frame),
    });
    return this.#mcp;
  }

  /** A user message becomes a task. It is stored under the server's own id: a client's ids are only unique to
   * that client, and the steps of every thread share one key space. */
  #userMessage(
    clientId: string,
    content: string,
    command: string | undefined,
    modes: Record<string, string> | undefined,
    fileIds: readonly string[],
  ): void {
    // Fields set one by one, not spread from `{}`s: a turn's garbage counts (docs/performance.md).
    const base: { -readonly [K in keyof Omit<IncomingMessage, "files">]: IncomingMessage[K] } = {
      id: this.#ids.next(),
      clientId,
      content,
      createdAt: now().toISOString(),
    };
    if (command !== undefined) base.command = command;
    if (modes !== undefined) base.modes = modes;
    // Files are claimed when the message is taken (its turn, or the running task reading it): one that is not this
    // session's fails the message.
    const accept = (): IncomingMessage | Promise<IncomingMessage> => {
      if (fileIds.length === 0) return taken([]);
      const who = { sessionId: this.id, threadId: this.threadId };
      return claimFiles(this.#files, fileIds, who).then(taken);
    };
    // Without files, at once: onMessage starts in the job's own tick, as it always has (a stop that arrives right
    // after task_start then finds the handler listening to its signal).
    const taken = (files: ChatFile[]): IncomingMessage => {
      // Stored when taken (not on arrival), so the stored order is the conversation's order and a flood of queued
      // messages cannot outgrow the recorder's queue.
      const user = this.parts.user;
      const author = user?.displayName ?? user?.identifier ?? "User";
      const link = this.#link;
      if (link !== undefined) {
        const elements = fileElements(files);
        link.recordUserMessage({ ...base, author, ...(elements.length === 0 ? {} : { elements }) });
      }
      const { id, createdAt } = base;
      // The sender shows its message itself; the thread's other sockets see it now, as the turn starts.
      if (this.#viewers !== undefined) {
        const elements = fileElements(files);
        this.#viewers.publish(this.threadId, this, {
          type: "message_new",
          message: {
            id,
            role: "user",
            author,
            content,
            createdAt,
            actions: [],
            ...(elements.length === 0 ? {} : { elements }),
          },
        });
      }
      const said: { -readonly [K in keyof HistoryMessage]: HistoryMessage[K] } = {
        id,
        role: "user",
        author,
        content,
        createdAt,
      };
      if (command !== undefined) said.command = command;
      this.#transcript.user(said, clientId);
      return { ...base, files };
    };
    const policy = this.#limits.midReply;
    const running = this.#tasks.running;
    if (running !== undefined && policy === "drop") {
      throw new ChatwireError("MESSAGE_DROPPED", "a reply is running: send the message again once it has ended");
    }
    if (running !== undefined && policy === "interrupt") this.#supersede();
    const turn: WaitingTurn = { superseded: false, taken: false };
    const durable = this.#durable?.fresh(this.#ids.next());
    // Before run(): an idle lane starts the job at once, and the job takes itself out of the set when it starts.
    if (policy === "interrupt") this.#waitingTurns.add(turn);
    const queued = this.#tasks.run(
      "onMessage",
      clientId,
      (ctx) => {
        this.#waitingTurns.delete(turn);
        if (turn.superseded) this.#tasks.abort("superseded"); // a newer message came first: kept, never answered
        const answer = (message: IncomingMessage) => {
          if (turn.superseded) return;
          durable?.start(message);
          return this.#hooks.onMessage?.(ctx, message);
        };
        // Not an async function: the handler's own promise is the task's, without a second one wrapping it.
        const accepted = accept();
        return accepted instanceof Promise ? accepted.then(answer) : answer(accepted);
      },
      Buffer.byteLength(content),
      () => turn.taken,
      durable,
    );
    if (!queued) {
      this.#waitingTurns.delete(turn);
      return;
    }
    if (policy === "steer" && running !== undefined) {
      this.#tasks.offer(() => {
        turn.taken = true; // its own turn, queued behind the task, is skipped
        this.notify({ type: "message_steered", replyTo: clientId, taskId: running });
        return Promise.resolve(accept());
      });
    }
  }

  /** `interrupt`: a new message stops the running task (its partial answer kept) and every message turn still
   * waiting (stored when its turn comes, not answered); the newest message is the one answered. */
  #supersede(): void {
    for (const turn of this.#waitingTurns) turn.superseded = true;
    this.#waitingTurns.clear();
    this.#tasks.abort("superseded");
  }

  /**
   * An edit of one of the user's messages (Chainlit's edit_message), as a task in its turn: what came after it is
   * removed (live and in the store), the message takes its new content, and onMessage runs again with it.
   */
  #editMessage(clientId: string, messageId: string, content: string): void {
    if (!this.#limits.editMessages) throw new ChatwireError("EDITS_DISABLED", "messages cannot be edited here");
    const unknown = () => new ChatwireError("UNKNOWN_MESSAGE", `no message of yours with id ${messageId}`);
    if (this.#transcript.userMessage(messageId) === undefined) throw unknown();
    this.#tasks.run("onMessage", clientId, async (ctx) => {
      const target = this.#transcript.userMessage(messageId);
      if (target === undefined) throw unknown(); // an earlier edit removed it
      for (const later of this.#transcript.after(target.id)) await this.emit({ type: "message_delete", id: later });
      this.#transcript.edit(target.id, content);
      const { id, author, createdAt, command } = target;
      // Stored, not sent: the client that edited shows it already, under an id of its own.
      this.#link?.record({
        type: "message_update",
        message: { id, role: "user", author, content, createdAt, actions: [] },
      });
      return this.#hooks.onMessage?.(ctx, {
        id,
        clientId,
        content,
        createdAt,
        files: [],
        ...(command === undefined ? {} : { command }),
      });
    });
  }

  /** Settings apply at once (a running task sees them); onSettingsUpdate runs on the event lane. */
  #settingsUpdate(changes: Readonly<Record<string, unknown>>, replyTo: string | undefined): void {
    let values: ReturnType<SettingsBook["check"]>;
    try {
      values = this.#settings.check(changes);
    } catch (error) {
      const field = error instanceof SettingsError ? error.field : undefined;
      const { code, message } = error as ChatwireError;
      this.emitError(code, message, replyTo, field);
      return;
    }
    this.#settings.apply(values);
    this.notify({ type: "chat_settings", inputs: [...this.#settings.inputs], values });
    this.#link?.saveState(this.parts.state.snapshot() as Record<string, unknown>, this.#conversation());
    const onSettingsUpdate = this.#hooks.onSettingsUpdate;
    if (onSettingsUpdate !== undefined) {
      this.#events.run("onSettingsUpdate", replyTo, (ctx) => onSettingsUpdate(ctx, values));
    }
  }

  /** What the stored thread keeps of the conversation beside the state: settings values, chat profile, the
   * thread's token sums. */
  #conversation(): JsonObject {
    const { chatProfile } = this.parts;
    const usage = this.#usage.thread;
    return {
      settings: this.#settings.values,
      ...(chatProfile === undefined ? {} : { chatProfile }),
      ...(usage.inputTokens + usage.outputTokens === 0 ? {} : { usage: { ...usage } }),
    };
  }

  #saveConversation(): void {
    this.#link?.saveState(this.parts.state.snapshot() as Record<string, unknown>, this.#conversation());
  }

  /** A file ask's reply names uploads: they are claimed (checked against the ask's rules) before it is settled; a
   * refused file leaves the ask open for another try. */
  #askReply(reply: Extract<SessionCommand, { type: "ask_reply" }>): void {
    if (!this.#asks.has(reply.askId) && this.#durable !== undefined) {
      const who = { thread: this.#reopened, user: this.user?.identifier };
      answerStoredAsk(this.#recoveryHost(), this.#durable, reply, who).catch((error: unknown) =>
        this.fail("ask_reply", error, reply.askId, undefined),
      );
      return;
    }
    const rules = this.#asks.fileRules(reply.askId);
    if (rules === undefined) {
      this.#asks.answer(reply);
      return;
    }
    if (reply.files === undefined || reply.files.length === 0) {
      throw new ChatwireError("BAD_FRAME", "ask_reply: a file ask needs `files`");
    }
    const who = { sessionId: this.id, threadId: this.threadId };
    claimFiles(this.#files, reply.files, who, rules).then(
      (files) => this.#asks.answerFiles(reply.askId, files),
      (error: unknown) => this.fail("ask_reply", error, reply.askId, undefined),
    );
  }

  #audioInput(): AudioInput<S> {
    const { maxAudioBytes, maxQueuedAudioBytes } = this.#limits;
    this.#audio ??= new AudioInput(this, this.#events, this.#source, maxAudioBytes, maxQueuedAudioBytes, this.#output);
    return this.#audio;
  }

  push(content: string): void {
    this.#events.run("push", undefined, async (ctx) => {
      await ctx.send(content);
    });
  }

  canResume(lastSeq: number): boolean {
    return this.#outbox.canResume(lastSeq);
  }

  attach(sink: FrameSink, lastSeq: number): void {
    clearTimeout(this.#expiry);
    this.#expiry = undefined;
    const replaced = this.#outbox.sink;
    if (replaced !== undefined && replaced !== sink) replaced.close(REPLACED, "replaced by a newer connection");
    this.#outbox.attach(sink, lastSeq);
  }

  disconnect(sink: FrameSink, done: boolean): void {
    // A session that another connection has taken over is not this connection's to end.
    if (this.#outbox.sink !== sink) return;
    if (done) void this.end("disconnect");
    else this.#detach();
  }

  /** The connection dropped: keep running, hold frames, and end the session if nobody resumes it in time. */
  #detach(): void {
    this.#outbox.detach();
    if (this.ended) return;
    // Saved now, not only when the session ends: a server killed during the grace period keeps the state.
    this.#link?.saveState(this.parts.state.snapshot() as Record<string, unknown>, this.#conversation());
    clearTimeout(this.#expiry);
    this.#expiry = setTimeout(() => void this.end("disconnect"), this.#limits.reconnectGraceMs);
  }

  /** The outbox of a detached session overflowed: it cannot be resumed without a gap. */
  onOverflow(): void {
    void this.end("disconnect");
  }

  /** The client was closed as a slow consumer: keep the session, wait for a resume. */
  onSlowConsumer(): void {
    this.#detach();
  }

  /**
   * Sends a frame through the outbox (and to the stored thread). Resolves once it is queued under the
   * flow-control limit. Throws SESSION_CLOSED once the session is over: a handler that ignored its signal learns
   * that nobody is listening, instead of filling a buffer that nobody will ever read.
   */
  emit(frame: OutgoingFrame): undefined | Promise<void> {
    if (this.#closed) throw new ChatwireError("SESSION_CLOSED", `the session has ended: ${frame.type} was not sent`);
    this.#traces?.record(frame);
    this.#link?.record(frame);
    this.#transcript.record(frame);
    if (this.#viewers !== undefined && isFollowed(frame)) this.#viewers.publish(this.threadId, this, frame);
    return this.#outbox.push(frame);
  }

  /** A frame of a turn another session on this thread runs: shown, numbered like the session's own, never stored
   * nor added to this session's history (the running session stores it). */
  follow(frame: FollowedFrame): void {
    if (this.#closed) return;
    void this.#outbox.push({ type: "follow", frame });
  }

  notify(frame: OutgoingFrame): void {
    if (frame.type === "task_start") this.#usage.turnStarted(); // a turn is a task: its token sums start at 0
    if (!this.#closed) void this.emit(frame);
  }

  emitError(code: ErrorCode, message: string, replyTo?: string, field?: string): void {
    const frame: OutgoingFrame = { type: "error", code, message };
    if (replyTo !== undefined) frame.replyTo = replyTo;
    if (field !== undefined) frame.field = field;
    this.notify(frame);
  }

  announce(frame: Announcement): void {
    this.notify(frame);
  }

  reportError(code: ErrorCode, message: string, replyTo?: string, field?: string): void {
    this.emitError(code, message, replyTo, field);
  }

  taskFailed(error: unknown): void {
    this.#traces?.taskFailed(error);
  }

  fail(hook: string, error: unknown, replyTo: string | undefined, signal: AbortSignal | undefined): void {
    if (signal !== undefined && isAbortOf(error, signal)) return;
    this.#report(hook, error, replyTo);
    this.#tellApp(hook, error);
  }

  /** Runs the app's onError beside everything (like onStop); its own failure is only logged, never reported again. */
  #tellApp(hook: string, error: unknown): void {
    const onError = this.#hooks.onError;
    if (onError === undefined || this.#closed) return;
    Promise.resolve()
      .then(() => onError(this.#events.context, error, hook))
      .catch((failure: unknown) => {
        this.parts.log.error({ err: failure, sessionId: this.id, hook: "onError" }, "onError failed");
      });
  }

  /** The client's error frame about a failure: a ChatwireError's own code, else HANDLER_FAILED with a fixed text. */
  #report(hook: string, error: unknown, replyTo: string | undefined): void {
    if (error instanceof ChatwireError) {
      this.emitError(error.code, error.message, replyTo);
      return;
    }
    this.parts.log.error({ err: error, sessionId: this.id, hook }, `${hook} failed`);
    this.emitError("HANDLER_FAILED", `${hook} failed`, replyTo);
  }

  snapshotState(): Record<string, unknown> {
    return this.parts.state.snapshot() as Record<string, unknown>;
  }

  end(kind: AbortKind): Promise<void> {
    this.#ended ??= this.#finish(kind);
    if (kind === "shutdown") {
      // After the ask_end frames of the cancelled asks: the client is told to reconnect elsewhere, and what
      // onChatEnd sends from now on is only stored.
      const sink = this.#outbox.sink;
      sink?.send(GOING);
      sink?.close(GOING_AWAY, "server shutting down");
    }
    return this.#ended;
  }

  async #finish(kind: AbortKind): Promise<void> {
    clearTimeout(this.#expiry);
    const reason = new TaskAborted(kind);
    this.#tasks.clear();
    this.#events.clear();
    this.#tasks.abort(reason);
    this.#events.abort(reason);
    this.#asks.cancelAll(reason);
    const grace = this.#limits.endGraceMs;
    const log = this.parts.log;
    if (!(await settlesWithin(Promise.all([this.#tasks.idle(), this.#events.idle()]), grace))) {
      log.warn({ sessionId: this.id }, `handlers still running ${grace} ms after the session ended`);
    }
    try {
      const onChatEnd = this.#hooks.onChatEnd;
      // onChatEnd gets the same bound: a hanging one must not keep the session (and shutdown) alive for ever.
      if (onChatEnd !== undefined && !(await settlesWithin(onChatEnd(this.#events.context), grace))) {
        log.warn({ sessionId: this.id, hook: "onChatEnd" }, `onChatEnd still running after ${grace} ms`);
      }
    } catch (error) {
      log.error({ err: error, sessionId: this.id, hook: "onChatEnd" }, "onChatEnd failed");
      this.#tellApp("onChatEnd", error);
    } finally {
      this.#tasks.cutStreams(); // a handler still running past the grace: its partial answer is stored, ended
      if (this.#mcp !== undefined) await settlesWithin(this.#mcp.closeAll(), grace);
      this.#link?.saveState(this.parts.state.snapshot() as Record<string, unknown>, this.#conversation());
      await this.#link?.flush().catch((error: unknown) => log.error({ err: error }, "session store not saved"));
      await this.#tasks.acknowledged();
      // Without persistence the conversation ends here, and its files with it.
      if (this.#link === undefined) {
        await this.#files?.store.deleteThreadFiles(this.threadId).catch((error: unknown) => {
          log.warn({ err: error, sessionId: this.id }, "files of an unstored conversation were not deleted");
        });
      }
      this.#viewers?.leave(this.threadId, this);
      this.#outbox.close();
      this.#closed = true;
      this.#traces?.close();
      this.#registry?.delete(this);
    }
  }
}
