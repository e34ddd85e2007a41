// chatwire's public API. Testing helpers live in "chatwire/testing"; protocol schemas in "chatwire/protocol".

// First, so that an unsupported Node.js fails here with a clear message (it must stay the first import).
import "./runtime/require-node.ts";

// Login throttling for passwordAuth: the gateway's `loginThrottle` option.
export type { LoginThrottleOptions } from "./auth/throttle.ts";
export { type AbortKind, abortKind, TaskAborted } from "./context/abort.ts";
export type { AskInit, ChatContext, EventContext } from "./context/context.ts";
export type { ActionInit, ElementInit, EventMessageHandle, MessageHandle, MessageInit } from "./context/message.ts";
export type { StateStore } from "./context/state.ts";
export type { EventStepHandle, StepHandle, StepInit } from "./context/step.ts";
export type { ThreadChanges, ThreadHandle } from "./context/thread.ts";
export { sendWindowMessage } from "./context/window.ts";
// Persistence: the data layers behind the `data` option.
export type {
  ApplyOptions,
  DataLayer,
  DataWrite,
  LoadedStep,
  LoadedThread,
  LockPolicy,
  LoginCharge,
  NewThread,
  StoredElement,
  StoredFeedback,
  StoredUser,
  ThreadListQuery,
  ThreadPage,
  ThreadPatch,
  ThreadRecord,
} from "./data/layer.ts";
export { createMemoryLayer } from "./data/memory.ts";
export { createDataLayer, type DataLayerChoice, type SelectEnvironment } from "./data/select.ts";
export { createSqliteLayer, type SqliteOptions } from "./data/sqlite.ts";
export { DataUnavailableError, isDataUnavailable } from "./data/unavailable.ts";

// Errors.
export { ChatwireError, ErrorCode, isChatwireError } from "./errors.ts";
export type { AuthOptions, GatewayOptions } from "./gateway/options.ts";
export type { DataOption } from "./gateway/persistence.ts";
// For running and embedding.
export { chatwire, type GatewayHandle } from "./gateway/plugin.ts";
export type * from "./hooks/payloads.ts";
// For app authors: registrars (default app) and the context they receive.
export {
  actionCallback,
  authorRename,
  type ChatApp,
  createApp,
  defaultApp,
  headerAuth,
  onAppShutdown,
  onAppStartup,
  onAudioChunk,
  onAudioEnd,
  onAudioStart,
  onChatEnd,
  onChatResume,
  onChatStart,
  onFeedback,
  onMessage,
  onStop,
  onWindowMessage,
  passwordAuth,
  type Registrar,
} from "./hooks/registrars.ts";
export type {
  ActionHook,
  AudioChunkHook,
  AudioStartHook,
  AuthorRenameHook,
  ChatHook,
  ChatResumeHook,
  EventHook,
  FeedbackHook,
  HeaderAuthHook,
  HookResult,
  HookTable,
  LifecycleHook,
  MessageHook,
  PasswordAuthHook,
  RequestHeaders,
  SlotName,
  WindowMessageHook,
} from "./hooks/table.ts";
export type { Logger } from "./logger.ts";
export { type PlaygroundOptions, playground } from "./playground/plugin.ts";
export type { ElementView, FeedbackView, User } from "./protocol/views.ts";
export { createServer, type ListenOptions, type ServerOptions, serve } from "./server.ts";
// What `GatewayHandle.notifyAll` sends (a reload notice).
export type { Announcement } from "./session/session.ts";
