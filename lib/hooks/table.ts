// The hook table: which handler runs for which event, and with which context (tasks get a ChatContext, events an
// EventContext). Immutable: every change makes a new, frozen table.
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { ChatContext, EventContext } from "../context/context.ts";
import type { McpConnectionInfo } from "../context/mcp.ts";
import type { ChatSettings } from "../context/settings.ts";
import type { CommandView } from "../protocol/commands.ts";
import type { ModeView } from "../protocol/modes.ts";
import type { ChatProfileView, StarterView } from "../protocol/profiles.ts";
import type { SettingsValues } from "../protocol/settings.ts";
import type { User } from "../protocol/views.ts";
import type {
  Action,
  AudioStartInfo,
  Feedback,
  IncomingMessage,
  InputAudioChunk,
  RecoveredTurn,
  ThreadDict,
} from "./payloads.ts";

/** Handlers may be sync or async; return values are ignored. */
export type HookResult = void | Promise<void>;

export type LifecycleHook = () => HookResult;
/** A task: onChatStart. It may ask and stream (ChatContext). */
export type ChatHook<S extends object> = (ctx: ChatContext<S>) => HookResult;
/** An event beside the conversation or after it: onChatEnd, onStop, onAudioEnd. It may send, not ask or stream. */
export type EventHook<S extends object> = (ctx: EventContext<S>) => HookResult;
export type ChatResumeHook<S extends object> = (ctx: ChatContext<S>, thread: ThreadDict) => HookResult;
export type MessageHook<S extends object> = (ctx: ChatContext<S>, message: IncomingMessage) => HookResult;
/** Decides what happens to a durable turn whose node died (docs/durability.md); default: `onMessage` runs again with
 * the turn's input, its finished steps recalled. */
export type TurnRecoverHook<S extends object> = (ctx: ChatContext<S>, turn: RecoveredTurn) => HookResult;
/** Return `false` to refuse the recording (the client is told `audio_state: connected false`). */
export type AudioStartHook<S extends object> = (
  ctx: EventContext<S>,
  start: AudioStartInfo,
) => undefined | boolean | Promise<undefined | boolean>;
export type AudioChunkHook<S extends object> = (ctx: EventContext<S>, chunk: InputAudioChunk) => HookResult;
export type ActionHook<S extends object> = (ctx: ChatContext<S>, action: Action) => HookResult;
export type FeedbackHook<S extends object> = (ctx: EventContext<S>, feedback: Feedback) => HookResult;
export type WindowMessageHook<S extends object> = (ctx: EventContext<S>, data: unknown) => HookResult;
/**
 * Told of every handler failure (for logging, alerting, or a message of the app's own): `where` is the hook's name
 * (`onMessage`, `actionCallback("buy")`…). The client still gets its `HANDLER_FAILED` error frame.
 */
export type ErrorHook<S extends object> = (ctx: EventContext<S>, error: unknown, where: string) => HookResult;
/** Maps an author's name to the name shown; applied to every outgoing message. */
export type AuthorRenameHook = (author: string) => string | Promise<string>;
/** Request headers as Node gives them. */
export type RequestHeaders = Readonly<Record<string, string | string[] | undefined>>;
/** Decides the user from the WebSocket upgrade's headers (e.g. set by an SSO proxy); undefined refuses. */
export type HeaderAuthHook = (headers: RequestHeaders) => User | undefined | Promise<User | undefined>;
/** Checks a login's credentials; a user signs them in, undefined refuses. */
export type PasswordAuthHook = (credentials: {
  readonly username: string;
  readonly password: string;
}) => User | undefined | Promise<User | undefined>;

/** The user changed the settings: every value of the form, checked against it. An event: it runs on the event lane
 * (beside a running task, which sees the new values at once), and may send but not ask or stream. */
export type SettingsUpdateHook<S extends object> = (ctx: EventContext<S>, settings: SettingsValues) => HookResult;

/** A chat profile as the app declares it. */
export type ChatProfileInit = DeepReadonly<ChatProfileView>;
/** A starter as the app declares it. */
export type StarterInit = Readonly<StarterView>;
type DeepReadonly<T> = T extends readonly (infer E)[]
  ? readonly DeepReadonly<E>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;
/** The chat profiles `user` may choose from (undefined: anonymous). Called before each new session and by
 * `GET /chat-profiles`. */
export type ChatProfilesHook = (
  user: User | undefined,
) => readonly ChatProfileInit[] | Promise<readonly ChatProfileInit[]>;
/** The starters of a new conversation of `user` with `profile` (used when the profile has no starters of its own). */
export type StartersHook = (
  user: User | undefined,
  profile: string | undefined,
) => readonly StarterInit[] | Promise<readonly StarterInit[]>;

/** The user added an MCP server to the session and it connected: `client` is the SDK's, its tools already listed
 * (`ctx.mcp`). Throwing refuses the server: it is closed and the client gets the error. */
export type McpConnectHook<S extends object> = (
  ctx: EventContext<S>,
  connection: McpConnectionInfo,
  client: Client,
) => HookResult;
/** An MCP server leaves the session (the user removed it, or the session ends): its client closes after this. */
export type McpDisconnectHook<S extends object> = (ctx: EventContext<S>, name: string, client: Client) => HookResult;

/** Whether `viewer` (undefined: not signed in) may read `thread`, which its author shared. The thread is as its
 * author sees it (private fields included); the viewer gets it without them. Not called for the author, who may
 * always read their own share; without this hook nobody else may. Throwing refuses, as `false` does. */
export type SharedThreadViewHook = (thread: ThreadDict, viewer: User | undefined) => boolean | Promise<boolean>;

/** What a provider's token endpoint answered, as `oauthCallback` gets it (the ID token already checked). */
export interface OAuthTokens {
  readonly accessToken: string;
  readonly tokenType: string;
  readonly idToken?: string | undefined;
  readonly refreshToken?: string | undefined;
  readonly expiresIn?: number | undefined;
  readonly scope?: string | undefined;
  /** The ID token's claims (`sub`, `email`, `nonce`…), checked by openid-client: issuer, audience, expiry, nonce. */
  readonly claims?: Readonly<Record<string, unknown>> | undefined;
}

/** Decides who signs in after an OpenID Connect provider's sign-in (Chainlit's `oauth_callback`): `provider` is the
 * provider's id, `profile` its userinfo (else the ID token's claims), `defaultUser` what chatwire would make of it
 * (identifier: email, else `sub`). Return the user (`defaultUser`, changed or not); undefined or null refuses. */
export type OAuthCallbackHook = (
  provider: string,
  tokens: OAuthTokens,
  profile: Readonly<Record<string, unknown>>,
  defaultUser: User,
) => User | undefined | null | Promise<User | undefined | null>;

/** A user logged out (`POST /auth/logout` with a valid token): clean up what the app keeps for them. */
export type LogoutHook = (user: User) => HookResult;

/** All single-slot hooks of an app, plus its action callbacks by name. */
export interface HookTable<S extends object = Record<string, unknown>> {
  readonly onAppStartup?: LifecycleHook;
  readonly onAppShutdown?: LifecycleHook;
  readonly onChatStart?: ChatHook<S>;
  readonly onChatResume?: ChatResumeHook<S>;
  readonly onChatEnd?: EventHook<S>;
  readonly onStop?: EventHook<S>;
  readonly onMessage?: MessageHook<S>;
  readonly onTurnRecover?: TurnRecoverHook<S>;
  readonly onAudioStart?: AudioStartHook<S>;
  readonly onAudioChunk?: AudioChunkHook<S>;
  readonly onAudioEnd?: EventHook<S>;
  readonly onFeedback?: FeedbackHook<S>;
  readonly authorRename?: AuthorRenameHook;
  readonly onWindowMessage?: WindowMessageHook<S>;
  readonly headerAuth?: HeaderAuthHook;
  readonly passwordAuth?: PasswordAuthHook;
  readonly oauthCallback?: OAuthCallbackHook;
  readonly onError?: ErrorHook<S>;
  readonly onSettingsUpdate?: SettingsUpdateHook<S>;
  readonly setChatProfiles?: ChatProfilesHook;
  readonly setStarters?: StartersHook;
  readonly onLogout?: LogoutHook;
  readonly onMcpConnect?: McpConnectHook<S>;
  readonly onMcpDisconnect?: McpDisconnectHook<S>;
  readonly onSharedThreadView?: SharedThreadViewHook;
  readonly actions: ReadonlyMap<string, ActionHook<S>>;
  /** The settings form every session shows from its start (`chat.chatSettings(form)`). */
  readonly chatSettings?: ChatSettings<object>;
  /** The commands every session offers from its start (`chat.setCommands([...])`). */
  readonly commands?: readonly CommandView[];
  /** The mode pickers every session offers from its start (`chat.setModes([...])`). */
  readonly modes?: readonly ModeView[];
  /** The keys a user may provide for their sessions (`chat.userEnv([...])`, Chainlit's `user_env`). */
  readonly userEnv?: readonly string[];
}

/** The names of the single-slot hooks (functions; `chatSettings` is a declaration, not a hook). */
export type SlotName = Exclude<keyof HookTable, "actions" | "chatSettings" | "commands" | "userEnv" | "modes">;

/** The names of every single-slot hook, in the seed's order. */
export const slotNames = [
  "onAppStartup",
  "onAppShutdown",
  "onChatStart",
  "onChatResume",
  "onChatEnd",
  "onStop",
  "onMessage",
  "onAudioStart",
  "onAudioChunk",
  "onAudioEnd",
  "onFeedback",
  "authorRename",
  "onWindowMessage",
  "headerAuth",
  "passwordAuth",
  "onError",
  "onSettingsUpdate",
  "setChatProfiles",
  "setStarters",
  "onLogout",
  "onMcpConnect",
  "onMcpDisconnect",
  "onSharedThreadView",
  "oauthCallback",
  "onTurnRecover",
] as const satisfies readonly SlotName[];

/** A table with no hooks. */
export const emptyTable = <S extends object>(): HookTable<S> => Object.freeze({ actions: new Map() });

/** A new table with `fn` in slot `name`; the old table is never touched. */
export const withHook = <S extends object, K extends SlotName>(
  table: HookTable<S>,
  name: K,
  fn: NonNullable<HookTable<S>[K]>,
): HookTable<S> => Object.freeze({ ...table, [name]: fn });

/** A new table with `value` (a declaration, not a hook) under `name`. */
export const withDeclaration = <S extends object, K extends "chatSettings" | "commands" | "userEnv" | "modes">(
  table: HookTable<S>,
  name: K,
  value: NonNullable<HookTable<S>[K]>,
): HookTable<S> => Object.freeze({ ...table, [name]: value });

/** A new table with an action callback added under `name`. */
export const withAction = <S extends object>(table: HookTable<S>, name: string, fn: ActionHook<S>): HookTable<S> =>
  Object.freeze({ ...table, actions: new Map(table.actions).set(name, fn) });
