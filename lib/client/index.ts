// chatwire/client: a client for chatwire gateways, in browsers and Node, without a UI framework. connect() gives a
// ChatClient: the conversation as an immutable snapshot, typed events, and the commands.

export type { AudioRecording, AudioSender, MediaStreamLike, RecordingOptions } from "./audio.ts";
export type { AudioChunkEvent, AudioInterruptEvent } from "./audio-output.ts";
export { type ActionRef, ChatClient, connect } from "./client.ts";
export type { Closed, ConnectionStatus, LostReason, Offline, ReconnectOptions } from "./connection.ts";
export type { Unsubscribe } from "./emitter.ts";
export { ChatwireClientError } from "./errors.ts";
export type { ClientEvents, SessionEvent, TaskEvent } from "./events.ts";
export type { ConnectOptions } from "./options.ts";
export {
  type AudioContextLike,
  type AudioPlayer,
  type AudioPlayerOptions,
  type AudioPlayerStats,
  createAudioPlayer,
} from "./player.ts";
export type { UploadedFile } from "./routes.ts";
export type {
  ChatAskOf,
  ChatDivider,
  ChatElement,
  ChatFeedback,
  ChatMessage,
  ChatNode,
  ChatSettingsView,
  ChatSnapshot,
  ChatStep,
  PendingAsk,
  SessionInfo,
} from "./snapshot.ts";
export type { SocketConstructor, SocketLike } from "./socket.ts";
