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

/** A chat message as the client renders it. `author` has already gone through `authorRename`. */
export const MessageView = Type.Object({
  id: Id,
  role: MessageRole,
  author: Type.String(),
  content: Type.String(),
  createdAt: Type.String(),
  parentId: Type.Optional(Id),
  actions: Type.Array(ActionView),
});
export type MessageView = Static<typeof MessageView>;

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
