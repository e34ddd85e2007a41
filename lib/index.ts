// chatwire's public API. Testing helpers live in "chatwire/testing"; protocol schemas in "chatwire/protocol".

// First, so that an unsupported Node.js fails here with a clear message (it must stay the first import).
import "./runtime/require-node.ts";

// Login throttling for passwordAuth: the gateway's `loginThrottle` option.
export type { LoginThrottleOptions } from "./auth/throttle.ts";
// For running and embedding.
export type { ClusterOptions } from "./cluster/options.ts";
export { type AbortKind, abortKind, isAbortOf, TaskAborted } from "./context/abort.ts";
export type { ApprovalScope, ApproveInit, ToolGrants } from "./context/approve.ts";
export type { AudioOut, AudioSendOptions } from "./context/audio.ts";
export type { CommandInit } from "./context/commands.ts";
export type { AskFileInit, AskInit, ChatContext, EventContext } from "./context/context.ts";
export type { ElementHandle, SidebarInit, StandaloneElementInit } from "./context/elements.ts";
export type {
  CallToolResult,
  McpAccess,
  McpConnectionInfo,
  McpServerInfo,
} from "./context/mcp.ts";
export type {
  ActionInit,
  ElementInit,
  EventMessageHandle,
  MessageHandle,
  MessageInit,
  StreamTokenOptions,
} from "./context/message.ts";
export type { ModeInit } from "./context/modes.ts";
export {
  type ChatSettings,
  defineSettings,
  type SettingsInputInit,
  type SettingsOf,
  type SettingValueOf,
} from "./context/settings.ts";
export type { StateStore } from "./context/state.ts";
export type { EventStepHandle, StepHandle, StepInit, StepTokenOptions } from "./context/step.ts";
export type { ThreadChanges, ThreadHandle } from "./context/thread.ts";
export type { UsageReport } from "./context/usage.ts";
export { sendWindowMessage } from "./context/window.ts";
export type { ByteRange, FileBytes, FileStore, NewFile, StoredFile } from "./data/files.ts";
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
export { createS3FileBytes, type FileStorage, type S3FileOptions } from "./data/s3-files.ts";
export { createDataLayer, type DataLayerChoice, type SelectEnvironment } from "./data/select.ts";
export { PRIVATE_METADATA_KEY } from "./data/shared-view.ts";
export { createSqliteLayer, type SqliteOptions } from "./data/sqlite.ts";
export type { AskStore, OrphanRef, StoredAsk, StoredTurn, TurnState, TurnStore, TurnWrite } from "./data/turns.ts";
export { DataUnavailableError, isDataUnavailable } from "./data/unavailable.ts";
// Errors.
export { ChatwireError, isChatwireError } from "./errors.ts";
export type {
  AuthOptions,
  GatewayOptions,
  OAuthProviderOptions,
  ProtocolOption,
  ProtocolsOptions,
} from "./gateway/options.ts";
export type { DataOption } from "./gateway/persistence.ts";
export { chatwire, type GatewayHandle } from "./gateway/plugin.ts";
export type * from "./hooks/payloads.ts";
// For app authors: registrars (default app) and the context they receive.
export {
  actionCallback,
  authorRename,
  type ChatApp,
  chatSettings,
  createApp,
  defaultApp,
  headerAuth,
  oauthCallback,
  onAppShutdown,
  onAppStartup,
  onAudioChunk,
  onAudioEnd,
  onAudioStart,
  onChatEnd,
  onChatResume,
  onChatStart,
  onError,
  onFeedback,
  onLogout,
  onMcpConnect,
  onMcpDisconnect,
  onMessage,
  onSettingsUpdate,
  onSharedThreadView,
  onStop,
  onTurnRecover,
  onWindowMessage,
  passwordAuth,
  type Registrar,
  setChatProfiles,
  setCommands,
  setModes,
  setStarters,
  userEnv,
} from "./hooks/registrars.ts";
export type {
  ActionHook,
  AudioChunkHook,
  AudioStartHook,
  AuthorRenameHook,
  ChatHook,
  ChatProfileInit,
  ChatProfilesHook,
  ChatResumeHook,
  ErrorHook,
  EventHook,
  FeedbackHook,
  HeaderAuthHook,
  HookResult,
  HookTable,
  LifecycleHook,
  LogoutHook,
  McpConnectHook,
  McpDisconnectHook,
  MessageHook,
  OAuthCallbackHook,
  OAuthTokens,
  PasswordAuthHook,
  RequestHeaders,
  SettingsUpdateHook,
  SharedThreadViewHook,
  SlotName,
  StarterInit,
  StartersHook,
  TurnRecoverHook,
  WindowMessageHook,
} from "./hooks/table.ts";
export type { Logger } from "./logger.ts";
export { type PlaygroundOptions, playground } from "./playground/plugin.ts";
export type { CommandView } from "./protocol/commands.ts";
export { ErrorCode } from "./protocol/error-code.ts";
export type { FavoriteView } from "./protocol/favorites.ts";
export type { McpConnection, McpToolView } from "./protocol/mcp.ts";
export type { ModeOption, ModeView } from "./protocol/modes.ts";
export type { ChatProfileView, StarterView } from "./protocol/profiles.ts";
export type { ToastLevel, TokenCounts } from "./protocol/server.ts";
export type { SettingsInput, SettingsValues, SettingValue } from "./protocol/settings.ts";
export type { ElementKind, ElementView, FeedbackView, User } from "./protocol/views.ts";
export { createServer, type ListenOptions, type ServerOptions, serve } from "./server.ts";
// The gateway's `mcp` option: which MCP servers users may add to their sessions (docs/security.md).
export type { McpCommandRule, McpPolicy } from "./session/mcp-policy.ts";
// What `GatewayHandle.notifyAll` sends (a reload notice).
export type { Announcement, MidReplyPolicy } from "./session/session.ts";
