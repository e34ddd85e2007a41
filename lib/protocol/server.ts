// Frames the gateway sends. Session frames carry `seq` >= 1, the session's frame counter: they are replayed after
// a reconnect and acknowledged by the client. Connection frames (welcome, resume_failed, shutdown) carry `seq: 0`.
import { type Static, type TProperties, Type } from "typebox";
import { ErrorCode } from "../errors.ts";
import { FeedbackView, MessageView, StepView, User } from "./views.ts";

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
/** Text to append to a streaming message's content. Consecutive tokens may arrive coalesced. */
export const StreamToken = frame("stream_token", { id: Id, token: Type.String() });
/** The message is complete; `content` is its final text. */
export const StreamEnd = frame("stream_end", { id: Id, content: Type.String() });
/** The session started (`task_start`) or finished (`task_end`) a task: a busy indicator. */
export const TaskStart = frame("task_start", { taskId: Id });
export const TaskEnd = frame("task_end", { taskId: Id });
/** The app asks the user for text (`kind: "text"`) or for one of `actions` (`kind: "action"`). */
export const Ask = frame("ask", {
  askId: Id,
  kind: Type.Union([Type.Literal("text"), Type.Literal("action")]),
  message: MessageView,
  timeoutMs: Type.Integer(),
});
/** The ask is over: answered, timed out, or cancelled because its task ended. */
export const AskEnd = frame("ask_end", {
  askId: Id,
  outcome: Type.Union([Type.Literal("answered"), Type.Literal("timeout"), Type.Literal("cancelled")]),
});
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
/** Something about the server, not about this conversation: `APP_RELOADED` after `chatwire run --watch` loaded an
 * edited app (the next turn runs the new handlers). A failed reload is an `error` frame, APP_RELOAD_FAILED. */
export const Notice = frame("notice", { code: Type.Literal("APP_RELOADED"), message: Type.String() });
/** The server is shutting down; reconnect (elsewhere) to go on. */
export const Shutdown = connectionFrame("shutdown", { reason: Type.String() });

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
  TaskStart,
  TaskEnd,
  Ask,
  AskEnd,
  WindowMessageOut,
  AudioState,
  FeedbackSaved,
  ErrorFrame,
  Shutdown,
  Notice,
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
