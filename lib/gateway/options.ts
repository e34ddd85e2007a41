// The gateway's options, with their defaults in one place. An option given as `undefined` gets its default, as an
// absent one does (`{ path: process.env.WS_PATH }` must not mean "no path").

import type { OAuthProviderOptions } from "../auth/oauth-provider.ts";
import type { LoginThrottleOptions } from "../auth/throttle.ts";
import type { ClusterOptions } from "../cluster/options.ts";
import type { FileStorage } from "../data/s3-files.ts";
import type { HookTable } from "../hooks/table.ts";
import type { McpPolicy } from "../session/mcp-policy.ts";
import type { SessionLimits } from "../session/session.ts";
import { checkOptions } from "./check-options.ts";
import type { GatewayHandle } from "./handle.ts";
import type { DataOption } from "./persistence.ts";

/** Each field optional, and `undefined` accepted where a value is (under exactOptionalPropertyTypes too). */
export type { OAuthProviderOptions } from "../auth/oauth-provider.ts";

export type Defaultable<T> = { readonly [K in keyof T]?: T[K] | undefined };

/** Session tokens (for passwordAuth, oauthCallback or an app's own sign-in route) and OpenID Connect providers. */
export interface AuthOptions {
  /** The signing secret: at least 32 bytes. Default: env CHATWIRE_AUTH_SECRET. */
  readonly secret?: string | undefined;
  /** How long a token (and its cookie) lasts. Default 24 h. */
  readonly ttlSeconds?: number | undefined;
  /** Whether the cookie is Secure. Default: true when NODE_ENV is "production". */
  readonly secureCookie?: boolean | undefined;
  /** Accept chatwire session tokens even when the app registers neither passwordAuth nor oauthCallback: the app's
   * own route signs users in with `GatewayHandle.signIn(reply, user)`. Default false. */
  readonly sessions?: boolean | undefined;
  /** OpenID Connect providers (needs the `openid-client` package and an `oauthCallback`). Default: none. */
  readonly oauthProviders?: readonly OAuthProviderOptions[] | undefined;
  /** The public origin of the server (e.g. `https://chat.example`), for the redirect URIs given to providers.
   * Default: the request's protocol and host (set Fastify's `trustProxy` behind a proxy). */
  readonly publicUrl?: string | undefined;
}

/** Options of the chatwire Fastify plugin. Only `hooks` is required. */
export interface GatewayOptions<S extends object = Record<string, unknown>> extends Defaultable<SessionLimits> {
  /** The sealed hook table: `app.seal()`. */
  readonly hooks: HookTable<S>;
  /** The WebSocket route. Default "/ws". */
  readonly path?: string | undefined;
  /** Initial state (`ctx.state`) of each new session. */
  readonly initialState?: (() => Partial<S>) | undefined;
  /** Text frames above this size get a FRAME_TOO_LARGE error frame (the session goes on). Default 1 MiB.
   * Frames above 4× this are refused by the transport, which closes the socket with 1009. */
  readonly maxFrameBytes?: number | undefined;
  /** Frames a session may send per second (bursts up to twice that); more get RATE_LIMITED. 0: no limit. */
  readonly maxFramesPerSecond?: number | undefined;
  /** Live sessions one authenticated user may hold. One more ends the user's oldest disconnected session (one
   * waiting for a resume); when all are connected, it is refused with TOO_MANY_SESSIONS (close 4429, HTTP 429).
   * Default 16. */
  readonly maxSessionsPerUser?: number | undefined;
  /** Live sessions this node holds (connected or waiting for a resume); a new one beyond it is refused with
   * SERVER_FULL (WebSocket close 1013, HTTP 503), while resumes of held sessions go on. Default 10,000. */
  readonly maxSessionsPerNode?: number | undefined;
  /** Turns (messages, actions, edits) running at once on this node, across its sessions; a client's turn that
   * would start beyond it is refused with SERVER_BUSY (the session goes on). 0 refuses them all. Default 10,000. */
  readonly maxTurnsPerNode?: number | undefined;
  /** Keep message turns durable (docs/durability.md): a record per turn and its finished steps' outputs, so that a
   * turn whose process dies is run again (when its thread reopens, or by the orphan sweeper). Needs persistence.
   * Default true. */
  readonly durableTurns?: boolean | undefined;
  /** Run orphaned durable turns again (default true); false ends them with their partial answer `node_lost` and a
   * TURN_NOT_RECOVERED error. */
  readonly recoverTurns?: boolean | undefined;
  /** Attempts a durable turn may have in all, its first included; an orphan past it ends as with `recoverTurns`
   * false. Default 3. */
  readonly maxTurnAttempts?: number | undefined;
  /** How often (±25 %) this node looks for orphaned durable turns across all threads and recovers them in headless
   * sessions, with no client (docs/durability.md#orphans-nobody-reopens); the first look is at start-up. 0: orphans
   * are recovered only when their thread reopens. Default 5 s. */
  readonly orphanSweepMs?: number | undefined;
  /** Headless recoveries (sessions recovering an orphaned thread with no client) running at once on this node; more
   * orphans wait for a later sweep. 0: none. Default 4. */
  readonly maxHeadlessRecoveries?: number | undefined;
  /** How long a new connection has to send `hello`. Default 10 s. */
  readonly helloTimeoutMs?: number | undefined;
  /** Persistence: "sqlite" (embedded), { postgres: url }, { sqlite: path }, "memory", a DataLayer, or false/absent
   * for none. `createServer` and `chatwire run` default to DATABASE_URL, else SQLite in .chatwire/. */
  readonly data?: DataOption | undefined;
  /** How long a conversation write may wait for a database that is locked (SQLite, by another process) or away
   * (PostgreSQL) before it is lost and the client gets PERSISTENCE_FAILED. The event loop runs meanwhile. Default 5 s. */
  readonly writeTimeoutMs?: number | undefined;
  /** How long the app's `onSharedThreadView` may take to answer for one viewer of a shared thread; past it the
   * request fails with HTTP 503 SHARE_VIEW_TIMEOUT instead of being held open. 0: no limit. Default 10 s. */
  readonly shareViewTimeoutMs?: number | undefined;
  /** Origins allowed to open the WebSocket from a browser; default: same origin only. `["*"]` allows any. */
  readonly allowedOrigins?: readonly string[] | undefined;
  /** Session tokens for passwordAuth: the signing secret, their lifetime and the cookie's Secure flag. */
  readonly auth?: AuthOptions | undefined;
  /** Login throttling for passwordAuth, per username and per client address (docs/auth.md); on by default (absent
   * or `{}`: the defaults; each field absent: its default), `false` turns it off. */
  readonly loginThrottle?: LoginThrottleOptions | false | undefined;
  /** How often this node asks the data layer whether the tokens of its live sockets were revoked by a logout on
   * another node (then they close with 4401). A logout on this node closes them at once. Default 5 s. */
  readonly revocationCheckMs?: number | undefined;
  /** Whether users may edit their earlier messages (`edit_message`: later messages removed, onMessage run again).
   * Default true; false refuses edits with EDITS_DISABLED. */
  readonly editMessages?: boolean | undefined;
  /** Whether signed-in users may keep favorite messages (`favorite`, Chainlit's favorites), stored with their
   * threads. Default true: it applies only with a user and a data layer that lists favorites (SQLite, PostgreSQL);
   * false refuses `favorite` frames with FAVORITES_DISABLED and sends no `favorites` list. */
  readonly favorites?: boolean | undefined;
  /** Bytes one upload may have; a larger one is cut off with FILE_TOO_LARGE (413). Default 20 MiB. */
  readonly maxUploadBytes?: number | undefined;
  /** Bytes a session may upload in all; past it, UPLOAD_QUOTA (413). Default 100 MiB. */
  readonly maxUploadBytesPerSession?: number | undefined;
  /** Bytes a signed-in user's uploads may keep stored in all, over every session and thread (deleting a thread frees
   * its files); past it, UPLOAD_QUOTA (413). Default 1024 MiB. */
  readonly maxUploadBytesPerUser?: number | undefined;
  /** Types a user may upload with a message (checked against the bytes, not the declared type): MIME types and
   * `type/*` patterns. Default `["*\/*"]`; an ask's `accept` narrows it for that ask. */
  readonly uploadAccept?: readonly string[] | undefined;
  /** How long an upload that no message or ask claimed is kept. Default 1 h. */
  readonly unclaimedUploadTtlMs?: number | undefined;
  /** Signs upload tickets and file URLs. Nodes serving one app must share it. Default: env CHATWIRE_FILE_SECRET,
   * else the auth secret, else a random secret (this process only). */
  readonly fileUrlSecret?: string | undefined;
  /** Where files' bytes are kept: `"database"`, the data layer's own (SQLite or PostgreSQL chunks), or
   * `{ s3: … }`, an S3-compatible bucket (the files' rows stay in the data layer; needs @aws-sdk/client-s3).
   * Default: S3 when env CHATWIRE_S3_BUCKET is set (docs/deployment.md), else the database. */
  readonly fileStorage?: FileStorage | undefined;
  /** Receives a handle on the running gateway (session count, hook reloads), e.g. for a health route. */
  readonly onReady?: ((gateway: GatewayHandle<S>) => void) | undefined;
  /** Run as one node of a cluster on PostgreSQL (docs/deployment.md): a session resumes on any node, and
   * pushToThread reaches it from any node. `true`: the defaults, on DATABASE_URL. Default: off. */
  readonly cluster?: ClusterOptions | boolean | undefined;
  /** Other wire protocols served beside the WebSocket, on the same hooks and sessions (docs/protocols.md). */
  readonly protocols?: ProtocolsOptions | undefined;
  /** MCP servers users may add to their sessions (docs/security.md): allowed commands and hosts, private addresses,
   * limits. Absent: nothing is allowed, and without onMcpConnect either, MCP frames get MCP_DISABLED. */
  readonly mcp?: McpPolicy | undefined;
}

/** One extra protocol: `true` at its default path, or `{ path }`. */
export type ProtocolOption = boolean | { readonly path?: string | undefined } | undefined;

/** The protocol adapters to serve (each off unless given). */
export interface ProtocolsOptions {
  /** AG-UI: `POST /ag-ui` (RunAgentInput in, an SSE stream of AG-UI events out). */
  readonly agui?: ProtocolOption;
  /** Chainlit's socket.io events at `/ws/socket.io`, for Chainlit's own front ends (needs the `socket.io` package). */
  readonly chainlit?: ProtocolOption;
}

/** The path of an enabled protocol, or undefined when it is off. */
export const protocolPath = (option: ProtocolOption, fallback: string): string | undefined =>
  option === undefined || option === false ? undefined : option === true ? fallback : (option.path ?? fallback);

/** Every option with its default filled in. */
type Optional =
  | "initialState"
  | "onReady"
  | "allowedOrigins"
  | "auth"
  | "data"
  | "loginThrottle"
  | "fileUrlSecret"
  | "fileStorage"
  | "protocols"
  | "cluster"
  | "mcp";
export type ResolvedOptions<S extends object> = {
  readonly [K in Exclude<keyof GatewayOptions<S>, Optional>]-?: Exclude<GatewayOptions<S>[K], undefined>;
} & Pick<GatewayOptions<S>, Optional>;

const defaults = {
  path: "/ws",
  maxFrameBytes: 1024 * 1024,
  helloTimeoutMs: 10_000,
  maxQueuedTasks: 16,
  maxQueuedEvents: 1024,
  maxPendingAsks: 8,
  maxAudioBytes: 50 * 1024 * 1024,
  maxStoreBytes: 1024 * 1024,
  maxFramesPerSecond: 200,
  maxSessionsPerUser: 16,
  maxSessionsPerNode: 10_000,
  maxTurnsPerNode: 10_000,
  durableTurns: true,
  recoverTurns: true,
  maxTurnAttempts: 3,
  orphanSweepMs: 5_000,
  maxHeadlessRecoveries: 4,
  askTimeoutMs: 60_000,
  maxAskTimeoutMs: 24 * 3600 * 1000,
  maxMessageBytes: 512 * 1024,
  maxStreamBytes: 4 * 1024 * 1024,
  taskTimeoutMs: 0,
  endGraceMs: 5_000,
  reconnectGraceMs: 120_000,
  highWaterBytes: 1024 * 1024,
  maxPendingBytes: 8 * 1024 * 1024,
  maxReplayFrames: 20_000,
  maxReplayBytes: 16 * 1024 * 1024,
  stallTimeoutMs: 30_000,
  writeTimeoutMs: 5_000,
  shareViewTimeoutMs: 10_000,
  maxQueuedTaskBytes: 4 * 1024 * 1024,
  maxQueuedEventBytes: 4 * 1024 * 1024,
  maxQueuedAudioBytes: 8 * 1024 * 1024,
  revocationCheckMs: 5_000,
  editMessages: true,
  favorites: true,
  maxUploadBytes: 20 * 1024 * 1024,
  maxUploadBytesPerSession: 100 * 1024 * 1024,
  maxUploadBytesPerUser: 1024 * 1024 * 1024,
  uploadAccept: ["*/*"],
  unclaimedUploadTtlMs: 3_600_000,
  maxAudioBufferedBytes: 256 * 1024,
  midReply: "queue",
} as const satisfies Omit<ResolvedOptions<object>, "hooks" | Optional>;

/** `options` without the fields given as `undefined`: spread over defaults, they leave the default in place. */
export function definedFields<T extends object>(options: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  const entries = Object.entries(options).filter(([, value]) => value !== undefined);
  return Object.fromEntries(entries) as { [K in keyof T]: Exclude<T[K], undefined> };
}

/** The options with every default filled in: for an absent option and for one given as `undefined` alike. Throws
 * INVALID_OPTION for a value no type allows (from JavaScript, or from an environment variable). */
export const resolveOptions = <S extends object>(options: GatewayOptions<S>): ResolvedOptions<S> => {
  const resolved: ResolvedOptions<S> = { ...defaults, ...definedFields(options) };
  checkOptions(resolved, defaults);
  return resolved;
};
