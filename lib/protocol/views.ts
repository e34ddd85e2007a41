// The shapes that travel inside frames: messages, actions, steps, users. Declared once; types derive from them.
import { type Static, Type } from "typebox";

const Id = Type.String({ minLength: 1, maxLength: 64 });
/** A JSON object, as carried by action payloads and metadata. */
export const JsonObject = Type.Record(Type.String(), Type.Unknown());
export type JsonObject = Static<typeof JsonObject>;

/** A button the user can press under a message; pressing it calls `actionCallback(name)`. */
export const ActionView = Type.Object({
  id: Id,
  name: Type.String({ minLength: 1, maxLength: 128 }),
  label: Type.String(),
  payload: JsonObject,
  icon: Type.Optional(Type.String()),
  tooltip: Type.Optional(Type.String()),
  messageId: Id,
});
export type ActionView = Static<typeof ActionView>;

/** Who wrote a message: the user, the assistant (the app) or the system. */
export const MessageRole = Type.Union([Type.Literal("user"), Type.Literal("assistant"), Type.Literal("system")]);
export type MessageRole = Static<typeof MessageRole>;

/** Where an element is shown: in the message (`inline`, the default), beside the chat (`side`), or on a page of
 * its own (`page`), as in Chainlit. */
export const ElementDisplay = Type.Union([Type.Literal("inline"), Type.Literal("side"), Type.Literal("page")]);
export type ElementDisplay = Static<typeof ElementDisplay>;

/** What an element is, as Chainlit's element classes: media and files have bytes at `url`; `plotly`, `vega`
 * (chart specs), `dataframe` (`{ columns, rows }`), `tasklist` (`{ status?, tasks: [{ title, status }] }`) and
 * `custom` (a host component's props) carry JSON `props`. */
export const ElementKind = Type.Union([
  Type.Literal("image"),
  Type.Literal("file"),
  Type.Literal("audio"),
  Type.Literal("video"),
  Type.Literal("pdf"),
  Type.Literal("text"),
  Type.Literal("plotly"),
  Type.Literal("vega"),
  Type.Literal("dataframe"),
  Type.Literal("tasklist"),
  Type.Literal("custom"),
]);
export type ElementKind = Static<typeof ElementKind>;

/** An element attached to a message: metadata, the bytes at `url` (a signed `/files/…` URL for bytes chatwire
 * stores), or JSON `props` for the kinds without bytes. */
export const ElementView = Type.Object({
  id: Id,
  name: Type.String({ minLength: 1, maxLength: 256 }),
  url: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })),
  mime: Type.Optional(Type.String({ maxLength: 128 })),
  display: Type.Optional(ElementDisplay),
  kind: Type.Optional(ElementKind),
  props: Type.Optional(JsonObject),
});
export type ElementView = Static<typeof ElementView>;

/** Why a message's answer was cut before its end (its content is what was streamed until then): the user pressed
 * stop (`user`), a newer message interrupted the turn (`superseded`, the `interrupt` policy), the task ran past its
 * time limit (`timeout`), the node running it was lost (`node_lost`), the server shut down (`shutdown`), the handler
 * failed (`error`), or the session ended because its client went away (`disconnect`). */
export const StopReason = Type.Union([
  Type.Literal("user"),
  Type.Literal("superseded"),
  Type.Literal("timeout"),
  Type.Literal("node_lost"),
  Type.Literal("shutdown"),
  Type.Literal("error"),
  Type.Literal("disconnect"),
]);
export type StopReason = Static<typeof StopReason>;

/** A chat message as the client renders it. `author` has already gone through `authorRename`. `elements` is there
 * only when the message has some. */
export const MessageView = Type.Object({
  id: Id,
  role: MessageRole,
  author: Type.String(),
  content: Type.String(),
  createdAt: Type.String(),
  parentId: Type.Optional(Id),
  actions: Type.Array(ActionView),
  elements: Type.Optional(Type.Array(ElementView)),
  /** Present only on an answer that was cut: why. Its `content` is the partial answer, kept and stored. */
  stopped: Type.Optional(StopReason),
  /** Present only on an answer that continues after its node was lost (a recovered durable turn,
   * docs/durability.md): the same message, carried on from its stored partial. Not stored. */
  recovered: Type.Optional(Type.Literal(true)),
});
export type MessageView = Static<typeof MessageView>;

/** The feedback a stored message or step got (`forId`), as a reopened thread's history carries it. */
export const FeedbackView = Type.Object({
  id: Id,
  forId: Id,
  value: Type.Union([Type.Literal(0), Type.Literal(1)]),
  comment: Type.Optional(Type.String()),
});
export type FeedbackView = Static<typeof FeedbackView>;

/** Chainlit's step types. */
export const StepType = Type.Union([
  Type.Literal("run"),
  Type.Literal("tool"),
  Type.Literal("llm"),
  Type.Literal("embedding"),
  Type.Literal("retrieval"),
  Type.Literal("rerank"),
  Type.Literal("undefined"),
]);
export type StepType = Static<typeof StepType>;

/** One unit of visible work (a tool call, an LLM call), possibly nested under `parentId`. */
export const StepView = Type.Object({
  id: Id,
  name: Type.String(),
  type: StepType,
  parentId: Type.Optional(Id),
  /** An icon for the step: a URL, or a name the client knows (Chainlit's `@cl.step(icon=...)`, a Lucide name). */
  icon: Type.Optional(Type.String({ maxLength: 2048 })),
  input: Type.Optional(Type.String()),
  output: Type.Optional(Type.String()),
  error: Type.Optional(Type.String()),
  start: Type.String(),
  end: Type.Optional(Type.String()),
});
export type StepView = Static<typeof StepView>;

/** An authenticated (or declared) user. */
export const User = Type.Object({
  identifier: Type.String({ minLength: 1 }),
  displayName: Type.Optional(Type.String()),
  metadata: Type.Optional(JsonObject),
});
export type User = Static<typeof User>;
