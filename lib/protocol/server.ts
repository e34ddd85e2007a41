// Frames the gateway sends. Session frames carry `seq` >= 1, the session's frame counter: they are replayed after
// a reconnect and acknowledged by the client. Connection frames (welcome, resume_failed, shutdown) carry `seq: 0`.
import { type Static, type TProperties, Type } from "typebox";
import { CommandView } from "./commands.ts";
import { ErrorCode } from "./error-codes.ts";
import { FavoriteView } from "./favorites.ts";
import { McpToolView, McpTransport } from "./mcp.ts";
import { ModeView } from "./modes.ts";
import { StarterView } from "./profiles.ts";
import { SettingsInput, SettingsValues } from "./settings.ts";
import { ElementView, FeedbackView, MessageView, StepView, StopReason, User } from "./views.ts";

const Id = Type.String({ minLength: 1, maxLength: 64 });

/** A server frame schema: `type` and `seq`, then its own fields. */
const frame = <T extends string, P extends TProperties>(type: T, properties: P) =>
  Type.Object({ type: Type.Literal(type), seq: Type.Integer({ minimum: 1 }), ...properties });

/** A connection frame schema: `seq` is always 0 (never numbered, replayed or acknowledged). */
const connectionFrame = <T extends string, P extends TProperties>(type: T, properties: P) =>
  Type.Object({ type: Type.Literal(type), seq: Type.Literal(0), ...properties });

/** The session is ready. Keep `sessionId` and `resumeToken` to resume it after a dropped connection.
 * `resumed` says whether this is the same live session; `lastSeq` is the last frame the server has numbered. */
export const Welcome = connectionFrame("welcome", {
  protocol: Type.Integer(),
  sessionId: Id,
  resumeToken: Id,
  threadId: Id,
  resumed: Type.Boolean(),
  lastSeq: Type.Integer({ minimum: 0 }),
  /** Only for a new anonymous thread when persistence is on: keep it to reopen the thread later (sent once). */
  threadSecret: Type.Optional(Type.String()),
  user: Type.Optional(User),
  chatProfile: Type.Optional(Type.String()),
  /** The keys the app asks the user to provide (`hello.userEnv`), when it declares some. */
  userEnv: Type.Optional(Type.Array(Type.String())),
  /** The ticket for `POST /files` (header `x-chatwire-upload`): uploads for this session. A resume brings a new one. */
  uploadToken: Type.Optional(Type.String()),
  /** When the app takes MCP servers: the transports its policy can allow (URLs: it allows some host; stdio: it
   * allow-lists some command). Absent: `mcp_connect` gets MCP_DISABLED. */
  mcp: Type.Optional(Type.Object({ transports: Type.Array(McpTransport) })),
  /** A read-only viewer of a shared thread (`hello.view`): it gets the thread's history and `follow` frames, and
   * whatever it sends except `ack` is refused with VIEW_ONLY. */
  view: Type.Optional(Type.Literal(true)),
});
/** The live session asked for in `hello.resume` cannot be resumed: it `expired` (or never existed), its replay
 * buffer `overflow`ed, or it belongs to someone else (`forbidden`). A new session follows (welcome). */
export const ResumeFailed = connectionFrame("resume_failed", {
  sessionId: Type.String(),
  reason: Type.Union([Type.Literal("expired"), Type.Literal("overflow"), Type.Literal("forbidden")]),
});
export const MessageNew = frame("message_new", { message: MessageView });
export const MessageUpdate = frame("message_update", { message: MessageView });
export const MessageDelete = frame("message_delete", { id: Id });
/** One entry of a stored conversation's history, with its feedback when it got some. */
export const HistoryEntry = Type.Union([
  Type.Object({ ...MessageView.properties, kind: Type.Literal("message"), feedback: Type.Optional(FeedbackView) }),
  Type.Object({ ...StepView.properties, kind: Type.Literal("step"), feedback: Type.Optional(FeedbackView) }),
]);
export type HistoryEntry = Static<typeof HistoryEntry>;
/** The history of a reopened thread, in order, before anything new: render it as the conversation so far. */
export const ThreadHistory = frame("thread_history", {
  threadId: Id,
  name: Type.Optional(Type.String()),
  steps: Type.Array(HistoryEntry),
});
/** A step started, changed or ended: the whole step each time (clients replace by id). */
export const StepFrame = frame("step", { step: StepView });
/** A message whose content will arrive as tokens. */
export const StreamStart = frame("stream_start", { message: MessageView });
/** Text to append to a streaming message's content. Consecutive tokens may arrive coalesced. With `replace: true`
 * the token replaces the content so far (Chainlit's `is_sequence`). */
export const StreamToken = frame("stream_token", {
  id: Id,
  token: Type.String(),
  replace: Type.Optional(Type.Literal(true)),
});
/** Text to append to a running step's output (its input with `input: true`); `replace: true` replaces it instead.
 * Coalesced like `stream_token`; the step's next `step` frame carries the whole text. */
export const StepToken = frame("step_token", {
  id: Id,
  token: Type.String(),
  input: Type.Optional(Type.Literal(true)),
  replace: Type.Optional(Type.Literal(true)),
});
/** The message is complete; `content` is its final text. With `stopped`, the answer was cut (why) and `content` is
 * what was streamed until then: kept, stored, and back with the same `stopped` when the thread is reopened. */
export const StreamEnd = frame("stream_end", { id: Id, content: Type.String(), stopped: Type.Optional(StopReason) });
/** The session started (`task_start`) or finished (`task_end`) a task: a busy indicator. */
export const TaskStart = frame("task_start", { taskId: Id });
/** `aborted`: the task was stopped (or timed out) before it finished; absent when it ran to its end. */
export const TaskEnd = frame("task_end", { taskId: Id, aborted: Type.Optional(Type.Literal(true)) });
/** What a file ask takes: types (MIME types and `type/*`, checked against the bytes), bytes per file, files. */
export const FileAskRules = Type.Object({
  accept: Type.Array(Type.String()),
  maxSizeBytes: Type.Integer({ minimum: 1 }),
  maxFiles: Type.Integer({ minimum: 1 }),
});
export type FileAskRules = Static<typeof FileAskRules>;
/** The app asks the user for text (`kind: "text"`), for one of `actions` (`kind: "action"`), or for files
 * (`kind: "file"`, with `files` saying which: upload them, then answer with their ids). */
export const Ask = frame("ask", {
  askId: Id,
  kind: Type.Union([Type.Literal("text"), Type.Literal("action"), Type.Literal("file")]),
  message: MessageView,
  timeoutMs: Type.Integer(),
  files: Type.Optional(FileAskRules),
});
/** The ask is over: answered, timed out, or cancelled because its task ended. */
export const AskEnd = frame("ask_end", {
  askId: Id,
  outcome: Type.Union([Type.Literal("answered"), Type.Literal("timeout"), Type.Literal("cancelled")]),
});
/** An element sent, or changed, on its own (`ctx.sendElement`, `handle.update`): clients replace it by id. With
 * `forId` it belongs to that message (and comes back in its `elements` when the thread is reopened). */
export const ElementFrame = frame("element", { element: ElementView, forId: Type.Optional(Id) });
/** Elements removed (`handle.remove()`, `ctx.removeElements`): clients drop them wherever they show them. */
export const RemoveElements = frame("remove_elements", { ids: Type.Array(Id) });
/** The side panel (Chainlit's `ElementSidebar`): these elements under `title`; no elements closes it. */
export const Sidebar = frame("sidebar", { title: Type.Optional(Type.String()), elements: Type.Array(ElementView) });
/** Data for the host page (`sendWindowMessage`). */
export const WindowMessageOut = frame("window_message", { data: Type.Unknown() });
/** Whether the server is taking audio now (after `audio_start`) or not (after `audio_end` or a refusal). */
export const AudioState = frame("audio_state", { connected: Type.Boolean() });
/** Feedback was recorded; `feedbackId` identifies it. */
export const FeedbackSaved = frame("feedback_saved", { replyTo: Id, feedbackId: Id });
/** Something the client sent was refused or failed. `replyTo` is the id of the frame concerned, if it had one. */
export const ErrorFrame = Type.Object({
  type: Type.Literal("error"),
  seq: Type.Integer({ minimum: 0 }),
  code: ErrorCode,
  message: Type.String(),
  replyTo: Type.Optional(Type.String()),
  field: Type.Optional(Type.String()),
});
/** Output audio: binary frames of kind 2 for `track` follow, in this format (PCM16 mono at `sampleRate`, or an
 * encoded format passed through). Sent before a track's first chunk and again when its format changes or after a
 * resume. */
export const AudioOutput = frame("audio_output", {
  track: Id,
  mimeType: Type.String({ minLength: 1, maxLength: 128 }),
  sampleRate: Type.Optional(Type.Integer({ minimum: 8000, maximum: 192_000 })),
});
/** Stop playing `track` (every track when absent) now and drop what is queued: the app asked (`app`), or the user
 * started speaking over it (`barge_in`). */
export const AudioInterrupt = frame("audio_interrupt", {
  track: Type.Optional(Id),
  reason: Type.Union([Type.Literal("app"), Type.Literal("barge_in")]),
});
/** Output audio of `track` was dropped, not queued: the client is behind (`slow_client`, past
 * `maxAudioBufferedBytes`), or disconnected (`detached`). Playback has a gap; one notice per run of drops. */
export const AudioDropped = frame("audio_dropped", {
  track: Id,
  reason: Type.Union([Type.Literal("slow_client"), Type.Literal("detached")]),
});
/** Something about the server, not about this conversation, from `chatwire run --watch`: `APP_RELOADED` (the next
 * turn runs the edited app's handlers) or `APP_RELOAD_FAILED` (the edit did not load; the previous handlers serve on).
 * Not an `error` frame: no turn failed. */
export const Notice = frame("notice", {
  code: Type.Union([Type.Literal("APP_RELOADED"), Type.Literal("APP_RELOAD_FAILED")]),
  message: Type.String({ maxLength: 4096 }),
});
/** The server is shutting down; reconnect (elsewhere) to go on. */
export const Shutdown = connectionFrame("shutdown", { reason: Type.String() });

/** The settings form to show (`inputs`) and its current `values`: sent when the form is declared, and again after
 * each accepted `settings_update`. Render the last one. */
export const ChatSettingsFrame = frame("chat_settings", { inputs: Type.Array(SettingsInput), values: SettingsValues });

/** Suggested first messages for a new conversation (the chat profile's, or `setStarters`'): show them while the
 * conversation is empty; choosing one sends its `message` as a `user_message`. */
export const StartersFrame = frame("starters", { starters: Type.Array(StarterView) });

/** The commands the user may send a message with now (each replaces the last list; empty: none). */
export const CommandsFrame = frame("commands", { commands: Type.Array(CommandView) });

/** The mode pickers the user may choose options from now (each replaces the last list; empty: none). */
export const ModesFrame = frame("modes", { modes: Type.Array(ModeView) });

/** How a toast looks. */
export const ToastLevel = Type.Union([
  Type.Literal("info"),
  Type.Literal("success"),
  Type.Literal("warning"),
  Type.Literal("error"),
]);
export type ToastLevel = Static<typeof ToastLevel>;
/** A transient notice, not part of the conversation (never stored): show it for a few seconds. */
export const ToastFrame = frame("toast", { message: Type.String(), level: ToastLevel });

/** Tokens a model used: what `ctx.reportUsage` adds up. */
export const TokenCounts = Type.Object({
  inputTokens: Type.Integer({ minimum: 0 }),
  outputTokens: Type.Integer({ minimum: 0 }),
});
export type TokenCounts = Static<typeof TokenCounts>;
/** The app reported token usage (`ctx.reportUsage`, Chainlit's `token_usage`): this report, and the sums of the
 * current turn (the running task) and of the whole thread (kept with the stored thread). */
export const UsageFrame = frame("usage", {
  reported: TokenCounts,
  model: Type.Optional(Type.String({ maxLength: 128 })),
  turn: TokenCounts,
  thread: TokenCounts,
});

/** The running task (`taskId`) took the user's message `replyTo` as it was answering (the `steer` policy for
 * messages sent mid-reply): that task answers it, and the message starts no task of its own. */
export const MessageSteered = frame("message_steered", { replyTo: Type.String(), taskId: Id });
/** An MCP server joined the session (`replyTo`: the `mcp_connect` frame's id): its name, transport and tools. Never
 * carries the connection's URL headers. */
export const McpConnected = frame("mcp_connected", {
  name: Type.String(),
  transport: Type.Union([Type.Literal("streamable-http"), Type.Literal("sse"), Type.Literal("stdio")]),
  tools: Type.Array(McpToolView),
  replyTo: Type.Optional(Id),
});
/** An MCP server left the session: the user removed it (`user`), or its connection closed (`closed`). */
export const McpDisconnected = frame("mcp_disconnected", {
  name: Type.String(),
  reason: Type.Union([Type.Literal("user"), Type.Literal("closed")]),
  replyTo: Type.Optional(Id),
});

/** The user's favorite messages, newest first (at most 50): sent when the session starts (favorites on, a signed-in
 * user, a data layer) and after each `favorite` frame (`replyTo`: its id). Each replaces the last list. */
export const FavoritesFrame = frame("favorites", { messages: Type.Array(FavoriteView), replyTo: Type.Optional(Id) });

/** A frame schema without its `seq`: as it travels inside a `follow` frame. */
const inner = <F extends { properties: TProperties }>(schema: F) => {
  const { seq: _seq, ...properties } = schema.properties;
  return Type.Object(properties as Omit<F["properties"], "seq">);
};

/** The frames of a turn that other sockets on the thread follow live (docs/protocol.md, "Following a thread"). */
export const FollowedFrame = Type.Union([
  inner(MessageNew),
  inner(MessageUpdate),
  inner(MessageDelete),
  inner(StepFrame),
  inner(StreamStart),
  inner(StreamToken),
  inner(StreamEnd),
  inner(StepToken),
  inner(TaskStart),
  inner(TaskEnd),
  inner(ElementFrame),
  inner(RemoveElements),
]);
export type FollowedFrame = Static<typeof FollowedFrame>;

/** A frame of a turn that another socket on this thread runs (another tab of the user, or the thread's owner seen
 * from a read-only viewer): render `frame` as if it were the session's own, except that a `task_start` in it is
 * not the answer to anything this client sent. Numbered in this session's own `seq`, so replayed once on a resume. */
export const Follow = frame("follow", { frame: FollowedFrame });

/** Every frame the server may send. */
export const ServerFrame = Type.Union([
  Welcome,
  ResumeFailed,
  ThreadHistory,
  MessageNew,
  MessageUpdate,
  MessageDelete,
  StepFrame,
  StreamStart,
  StreamToken,
  StreamEnd,
  StepToken,
  TaskStart,
  TaskEnd,
  Ask,
  AskEnd,
  WindowMessageOut,
  AudioState,
  FeedbackSaved,
  ErrorFrame,
  Shutdown,
  ChatSettingsFrame,
  StartersFrame,
  CommandsFrame,
  ToastFrame,
  ModesFrame,
  ElementFrame,
  RemoveElements,
  Sidebar,
  AudioOutput,
  AudioInterrupt,
  AudioDropped,
  Notice,
  UsageFrame,
  MessageSteered,
  McpConnected,
  McpDisconnected,
  FavoritesFrame,
  Follow,
]);
export type ServerFrame = Static<typeof ServerFrame>;
export type ServerFrameType = ServerFrame["type"];
/** The server frame of a given type. */
export type ServerFrameOf<T extends ServerFrameType> = Extract<ServerFrame, { type: T }>;
type WithoutSeq<F> = F extends unknown ? Omit<F, "seq"> : never;
/** The types of the connection frames (seq 0). */
export type ConnectionFrameType = "welcome" | "resume_failed" | "shutdown";
/** A session frame before the session stamps its `seq`: what handlers and the context produce. */
export type OutgoingFrame = WithoutSeq<Exclude<ServerFrame, { type: ConnectionFrameType }>>;
/** The outgoing frame of a given type. */
export type OutgoingOf<T extends ServerFrameType> = Extract<OutgoingFrame, { type: T }>;
