// Frames a client sends to the gateway (JSON text frames). Audio chunks may also travel as binary: see binary.ts.
import { type Static, Type } from "typebox";
import { McpConnection } from "./mcp.ts";

const Id = Type.String({ minLength: 1, maxLength: 64 });
const closed = { additionalProperties: false } as const;

export { PROTOCOL_VERSION } from "./constants.ts";

/** Resume a live session after a dropped connection: frames after `lastSeq` are replayed, in order, once. */
export const ResumeRequest = Type.Object(
  { sessionId: Id, resumeToken: Id, lastSeq: Type.Integer({ minimum: 0 }) },
  closed,
);
export type ResumeRequest = Static<typeof ResumeRequest>;

/** Reopen a stored conversation (persistence): the owner's threads by id; anonymous ones need their secret. */
export const ThreadRequest = Type.Object({ id: Id, secret: Type.Optional(Type.String({ maxLength: 128 })) }, closed);
export type ThreadRequest = Static<typeof ThreadRequest>;

/** Follow a shared thread read-only, by its share id (`PUT /threads/:id/share`): allowed to whoever may read the
 * share (its author; others as `onSharedThreadView` decides). */
export const ViewRequest = Type.Object({ shareId: Type.String({ minLength: 1, maxLength: 64 }) }, closed);
export type ViewRequest = Static<typeof ViewRequest>;

/** First frame of every connection: the protocol version, optionally a chat profile, a live session to resume
 * (`resume`) and, if that is not possible, a stored thread to reopen (`thread`). */
export const Hello = Type.Object(
  {
    type: Type.Literal("hello"),
    protocol: Type.Integer({ minimum: 1 }),
    chatProfile: Type.Optional(Type.String({ maxLength: 128 })),
    resume: Type.Optional(ResumeRequest),
    thread: Type.Optional(ThreadRequest),
    /** Open a read-only viewer of a shared thread instead of a session of one's own (with `resume`: its fallback). */
    view: Type.Optional(ViewRequest),
    /** Values of the keys the app declares (`welcome.userEnv`), e.g. the user's own API key: `ctx.userEnv` of a
     * new session; never stored nor logged. */
    userEnv: Type.Optional(Type.Record(Type.String(), Type.String({ maxLength: 4096 }), { maxProperties: 64 })),
  },
  closed,
);
export type Hello = Static<typeof Hello>;

/** Ids of files uploaded with `POST /files` for this session, at most 10. */
const FileIds = Type.Array(Id, { maxItems: 10 });

/** Something the user typed. `id` is the client's id for it; errors about it carry it as `replyTo`. `command`: the
 * id of the command it was sent with (one the app declared: UNKNOWN_COMMAND otherwise). `files` attach uploads to it. */
export const UserMessage = Type.Object(
  {
    type: Type.Literal("user_message"),
    id: Id,
    content: Type.String(),
    command: Type.Optional(Id),
    /** The option chosen in each mode picker, by mode id (modes not named get their default). */
    modes: Type.Optional(Type.Record(Type.String(), Id, { maxProperties: 16 })),
    files: Type.Optional(FileIds),
  },
  closed,
);
export type UserMessage = Static<typeof UserMessage>;

/** The user pressed an action button that the app sent (by the action's id). */
export const ActionCall = Type.Object({ type: Type.Literal("action_call"), id: Id, actionId: Id }, closed);
export type ActionCall = Static<typeof ActionCall>;

/** `null`, as `const: null` (the same schema as `Type.Null()`, in the keywords every schema walker reads). */
const Removed = Type.Unsafe<null>({ const: null });

/** Thumbs feedback on a message: `value` 1 is up, 0 is down, `null` removes the feedback. Sending it again for the
 * message updates it: a message has one feedback at most. */
export const FeedbackFrame = Type.Object(
  {
    type: Type.Literal("feedback"),
    id: Id,
    messageId: Id,
    value: Type.Union([Type.Literal(0), Type.Literal(1), Removed]),
    comment: Type.Optional(Type.String({ maxLength: 4096 })),
  },
  closed,
);
export type FeedbackFrame = Static<typeof FeedbackFrame>;

/** Stop the task that is running now (its signal aborts with reason `stop`); the session goes on. */
export const Stop = Type.Object({ type: Type.Literal("stop"), id: Type.Optional(Id) }, closed);
export type Stop = Static<typeof Stop>;

/** Data the host page posted to the chat window (`window.postMessage`), passed on to `onWindowMessage`. */
export const WindowMessageIn = Type.Object(
  { type: Type.Literal("window_message"), id: Type.Optional(Id), data: Type.Unknown() },
  closed,
);
export type WindowMessageIn = Static<typeof WindowMessageIn>;

/** The user started recording. */
export const AudioStart = Type.Object(
  {
    type: Type.Literal("audio_start"),
    id: Type.Optional(Id),
    mimeType: Type.String({ minLength: 1, maxLength: 128 }),
  },
  closed,
);
export type AudioStart = Static<typeof AudioStart>;

/** One chunk of the recording, base64 in JSON (binary frames carry the same without base64). */
export const AudioChunkFrame = Type.Object(
  {
    type: Type.Literal("audio_chunk"),
    elapsedTime: Type.Number({ minimum: 0 }),
    data: Type.String({ contentEncoding: "base64" }),
  },
  closed,
);
export type AudioChunkFrame = Static<typeof AudioChunkFrame>;

/** The user stopped recording. */
export const AudioEnd = Type.Object({ type: Type.Literal("audio_end"), id: Type.Optional(Id) }, closed);
export type AudioEnd = Static<typeof AudioEnd>;

/** The answer to an `ask`: text for a text ask, an action id for an action ask, uploads' ids for a file ask. */
export const AskReply = Type.Object(
  {
    type: Type.Literal("ask_reply"),
    askId: Id,
    content: Type.Optional(Type.String()),
    actionId: Type.Optional(Id),
    files: Type.Optional(FileIds),
  },
  closed,
);
export type AskReply = Static<typeof AskReply>;

/** The client has processed every session frame up to `seq`; the server may forget them. Send it every so often
 * (e.g. every 100 frames or 1 s), not after every frame. */
export const Ack = Type.Object({ type: Type.Literal("ack"), seq: Type.Integer({ minimum: 0 }) }, closed);
export type Ack = Static<typeof Ack>;

/** The user changed the settings form: the values of some or all of its inputs, by input id. Each is checked
 * against the declared input (BAD_SETTINGS, with `field`); then `onSettingsUpdate` runs with all the values. */
export const SettingsUpdate = Type.Object(
  { type: Type.Literal("settings_update"), id: Type.Optional(Id), values: Type.Record(Type.String(), Type.Unknown()) },
  closed,
);
export type SettingsUpdate = Static<typeof SettingsUpdate>;

/** The user edited one of their messages (by the server's id or the client's own): the messages after it are
 * removed, and `onMessage` runs again with the new content (Chainlit's edit_message). */
export const EditMessage = Type.Object(
  { type: Type.Literal("edit_message"), id: Id, messageId: Id, content: Type.String() },
  closed,
);
export type EditMessage = Static<typeof EditMessage>;

/** Mark (`favorite: true`) or unmark one of the user's own messages of this conversation, by the server's id or the
 * client's own (Chainlit's message_favorite). Answered by `favorites` with `replyTo: id`, or an error frame:
 * FAVORITES_DISABLED, SIGN_IN_REQUIRED, NOT_YOUR_MESSAGE, UNKNOWN_MESSAGE. */
export const FavoriteFrame = Type.Object(
  { type: Type.Literal("favorite"), id: Id, messageId: Id, favorite: Type.Boolean() },
  closed,
);
export type FavoriteFrame = Static<typeof FavoriteFrame>;

/** Add an MCP server to this session (docs/security.md: the app's policy decides which may be reached). Answered
 * by `mcp_connected` with its tools, or an error frame (`MCP_REFUSED`, `MCP_CONNECT_FAILED`…) with `replyTo: id`. */
export const McpConnect = Type.Object({ type: Type.Literal("mcp_connect"), id: Id, connection: McpConnection }, closed);
export type McpConnect = Static<typeof McpConnect>;

/** Remove the session's MCP server `name` (its connection closes); answered by `mcp_disconnected`. */
export const McpDisconnect = Type.Object(
  { type: Type.Literal("mcp_disconnect"), id: Type.Optional(Id), name: Type.String({ minLength: 1, maxLength: 64 }) },
  closed,
);
export type McpDisconnect = Static<typeof McpDisconnect>;

/** Every frame a client may send. */
export const ClientFrame = Type.Union([
  Hello,
  UserMessage,
  ActionCall,
  FeedbackFrame,
  Stop,
  WindowMessageIn,
  AudioStart,
  AudioChunkFrame,
  AudioEnd,
  AskReply,
  Ack,
  SettingsUpdate,
  EditMessage,
  McpConnect,
  McpDisconnect,
  FavoriteFrame,
]);
export type ClientFrame = Static<typeof ClientFrame>;
export type ClientFrameType = ClientFrame["type"];

/** Schemas by frame type, so a frame is checked against its own schema and errors name its own fields. */
export const clientFrameSchemas = {
  hello: Hello,
  user_message: UserMessage,
  action_call: ActionCall,
  feedback: FeedbackFrame,
  stop: Stop,
  window_message: WindowMessageIn,
  audio_start: AudioStart,
  audio_chunk: AudioChunkFrame,
  audio_end: AudioEnd,
  ask_reply: AskReply,
  ack: Ack,
  settings_update: SettingsUpdate,
  edit_message: EditMessage,
  mcp_connect: McpConnect,
  mcp_disconnect: McpDisconnect,
  favorite: FavoriteFrame,
} as const satisfies Record<ClientFrameType, unknown>;
