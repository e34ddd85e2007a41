// What a session is to the layers above it: a protocol adapter (the JSON gateway first) drives it through the
// `Session` interface — commands in (`receive`), frames out (the attached FrameSink), and its lifecycle. What each
// command means lives in session-commands.ts and the parts live-session.ts composes.

import type { AbortKind } from "../context/abort.ts";
import type { ToolGrants } from "../context/approve.ts";
import type { FileAccess } from "../context/files.ts";
import type { LoadedThread } from "../data/layer.ts";
import type { ErrorCode } from "../errors.ts";
import type { HookSource } from "../hooks/live-table.ts";
import type { Logger } from "../logger.ts";
import type { McpTransport } from "../protocol/mcp.ts";
import type { StarterView } from "../protocol/profiles.ts";
import type { OutgoingOf, TokenCounts } from "../protocol/server.ts";
import type { SettingsValues } from "../protocol/settings.ts";
import type { User } from "../protocol/views.ts";
import type { SessionCommand } from "./commands.ts";
import type { DurableTurnsConfig } from "./durable-turns.ts";
import type { FavoritesAccess } from "./favorites.ts";
import type { McpPolicy } from "./mcp-policy.ts";
import type { NodeTurns } from "./node-turns.ts";
import type { OutboxLimits } from "./outbox.ts";
import type { FrameSink } from "./sink.ts";
import type { ThreadLink } from "./thread-link.ts";
import type { ThreadViewers } from "./thread-viewers.ts";
import type { Tracing } from "./traces.ts";

/**
 * What happens to a message the user sends while a task is running (docs/hooks.md, "Messages sent mid-reply"):
 * `queue` it for its own turn (the default), `interrupt` the running task for it, let the running task `steer` by
 * reading it (`ctx.incoming()`), or `drop` it with a MESSAGE_DROPPED error frame.
 */
export type MidReplyPolicy = "queue" | "interrupt" | "steer" | "drop";

/** Every policy, for checking an option. */
export const MID_REPLY_POLICIES: readonly MidReplyPolicy[] = ["queue", "interrupt", "steer", "drop"];

/** Limits and defaults of a session. */
export interface SessionLimits extends OutboxLimits {
  /** How long a session whose connection dropped stays alive, waiting for the client to resume it. */
  readonly reconnectGraceMs: number;
  readonly maxQueuedTasks: number;
  readonly maxQueuedEvents: number;
  /** Bytes (UTF-8) of the messages waiting on the task lane; one more gets QUEUE_FULL. */
  readonly maxQueuedTaskBytes: number;
  /** Bytes (JSON) of the window messages waiting on the event lane; one more gets QUEUE_FULL. */
  readonly maxQueuedEventBytes: number;
  /** Bytes of audio chunks waiting for onAudioChunk; past it the recording ends (AUDIO_TOO_LARGE, onAudioEnd). */
  readonly maxQueuedAudioBytes: number;
  /** Asks that may wait for an answer at once; one more rejects with ASK_LIMIT. */
  readonly maxPendingAsks: number;
  /** Bytes of one recording; beyond it the recording is stopped with AUDIO_TOO_LARGE. */
  readonly maxAudioBytes: number;
  /** Output audio bytes the socket may hold unsent; a chunk beyond it is dropped (`audio_dropped`), not queued. */
  readonly maxAudioBufferedBytes: number;
  /** Approximate JSON bytes of the session's state; a `set` beyond it throws STORE_FULL. */
  readonly maxStoreBytes: number;
  readonly askTimeoutMs: number;
  /** The longest timeout an ask may have; a longer one (or one not above 0) throws BAD_ASK_TIMEOUT. */
  readonly maxAskTimeoutMs: number;
  /** UTF-8 bytes of one user message's content (`user_message`, `edit_message`); more gets MESSAGE_TOO_LARGE. */
  readonly maxMessageBytes: number;
  /** UTF-8 bytes a streamed message's content may reach (and so its stored partial answer); a token beyond it
   * throws STREAM_TOO_LONG. */
  readonly maxStreamBytes: number;
  /** 0: tasks may run as long as they like. */
  readonly taskTimeoutMs: number;
  /** How long a closing session waits for running handlers before `onChatEnd`. */
  readonly endGraceMs: number;
  /** Whether users may edit their messages (`edit_message`); false refuses with EDITS_DISABLED. */
  readonly editMessages: boolean;
  /** What a user message sent while a task runs does: queue (default), interrupt, steer or drop. */
  readonly midReply: MidReplyPolicy;
}

/** What the server may tell every session at once (a reload of the app). */
export type Announcement = OutgoingOf<"notice">;

/** What a session is made from. */
export interface SessionInit<S extends object> {
  /** A sealed table, or the gateway's live one: each turn reads the table current when it starts. */
  readonly hooks: HookSource<S>;
  /** The thread's token sums as stored (`ctx.reportUsage` goes on from them). */
  readonly restoredUsage?: TokenCounts | undefined;
  readonly limits: SessionLimits;
  readonly log: Logger;
  readonly user?: User | undefined;
  readonly chatProfile?: string | undefined;
  /** The user's values of the app's declared keys (never stored). */
  readonly userEnv?: Readonly<Record<string, string>> | undefined;
  /** Shown on a new conversation (not a reopened one), before onChatStart. */
  readonly starters?: readonly StarterView[] | undefined;
  readonly initialState?: (() => Partial<S>) | undefined;
  /** The thread this session writes to; a new id when not given. */
  readonly threadId?: string | undefined;
  /** The settings values saved with a reopened thread (kept where the declared form accepts them). */
  readonly restoredSettings?: SettingsValues | undefined;
  /** The state restored from a reopened thread (instead of initialState). */
  readonly restoredState?: Partial<S> | undefined;
  /** Persistence of the conversation, when a data layer is configured. */
  readonly link?: ThreadLink | undefined;
  /** Where uploads and elements' bytes live (the gateway's); without it, messages carry no files. */
  readonly files?: FileAccess | undefined;
  /** Told once, after onChatEnd, when the session is over. */
  readonly registry?: { delete(session: Session): void } | undefined;
  /** How message turns are kept durable (docs/durability.md); without it (or without `link`) they are not. */
  readonly durableTurns?: DurableTurnsConfig | undefined;
  /** The node's running turns, against the gateway's `maxTurnsPerNode`; without it, this session's alone. */
  readonly turns?: NodeTurns | undefined;
  /** The app's MCP policy (the gateway's `mcp` option): with it, or with onMcpConnect registered, users may add MCP
   * servers to the session. */
  readonly mcp?: McpPolicy | undefined;
  /** Spans for tasks and steps, when the app installed `@opentelemetry/api` (loadTracing). */
  readonly tracing?: Tracing | undefined;
  /** Whether the user may keep favorites here, and how they are listed (the gateway decides); off when absent. */
  /** Where `ctx.approve` keeps sticky grants (the gateway's: the data layer's when it stores them); in the
   * session's memory when absent. */
  readonly grants?: ToolGrants | undefined;
  readonly favorites?: FavoritesAccess | undefined;
  /** The node's followers of threads (docs/protocol.md, "Following a thread"): with it, the session's turns are seen
   * live by the other sessions on its thread, and theirs by it. */
  readonly viewers?: ThreadViewers | undefined;
}

/**
 * A live chat session as a protocol adapter drives it: commands in, frames out to the attached sink. It outlives
 * its connections: a client that comes back within `reconnectGraceMs` attaches again and gets what it missed.
 */
export interface Session {
  readonly id: string;
  /** The secret a client shows to resume this session after a dropped connection. */
  readonly resumeToken: string;
  readonly threadId: string;
  readonly user: User | undefined;
  readonly chatProfile: string | undefined;
  /** The MCP transports the app's policy can allow (welcome.mcp); undefined when it takes no MCP servers. */
  readonly mcpTransports: readonly McpTransport[] | undefined;
  /** The last `seq` given to a frame. */
  readonly seq: number;
  /** Whether a client is connected (a sink is attached). */
  readonly attached: boolean;
  readonly ended: boolean;
  /** A read-only viewer of a shared thread (viewer-session.ts): it runs nothing and refuses every command. */
  readonly viewOnly?: boolean;
  /** Opens the conversation, once, after the first attach: a reopened thread's history then `onChatResume`, or
   * `onChatStart`. */
  start(thread?: LoadedThread): void;
  /** Settles once a reopened thread's orphaned turns were looked up and what was claimed has run, or waits on an
   * ask (lib/gateway/headless-session.ts ends the session then); a session without it settles at once. */
  settled?(): Promise<void>;
  /** Takes one command from the client. Never throws: a command that cannot be done becomes an error frame. */
  receive(command: SessionCommand): void;
  /** Tells the client about something it sent that never became a command (bad JSON, too large, too fast). */
  reportError(code: ErrorCode, message: string, replyTo?: string, field?: string): void;
  /** Tells the client something about the server (a reload of the app). Numbered like every session frame; never
   * stored with the thread. */
  announce(frame: Announcement): void;
  /** Whether a client that processed every frame up to `lastSeq` can resume without a gap (false once a detached
   * session's held frames overflowed). */
  canResume(lastSeq: number): boolean;
  /** Connects a client: closes the sink of the connection it replaces, then replays every frame after `lastSeq`. */
  attach(sink: FrameSink, lastSeq: number): void;
  /** The connection behind `sink` closed: the session waits `reconnectGraceMs` for a resume, or ends at once if
   * the client said it is `done`. A sink that a newer connection replaced is ignored. */
  disconnect(sink: FrameSink, done: boolean): void;
  /** A copy of the session's state (`ctx.state`), for adapters that show it to their client (AG-UI). */
  snapshotState(): Record<string, unknown>;
  /** Sends `content` as a message of the app, from outside any hook (a push to the thread): queued on the event
   * lane, stored with the thread like any message. */
  push(content: string): void;
  /** Ends the session once: aborts everything with `kind`, waits (bounded) for running handlers, then onChatEnd.
   * Later calls return the same promise. */
  end(kind: AbortKind): Promise<void>;
}
