// A new session on a reopened thread or a new one: the one place every front end (the native handshake, the
// Chainlit endpoint) opens a session, so each gets the same restored state, settings and token usage.

import { nanoid } from "nanoid";
import type { LoadedThread } from "../data/layer.ts";
import type { User } from "../protocol/views.ts";
import type { DurableTurnsConfig } from "../session/durable-turns.ts";
import { sessionGrants } from "../session/grants.ts";
import { createSession } from "../session/live-session.ts";
import type { Session, SessionInit } from "../session/session.ts";
import type { Tracing } from "../session/traces.ts";
import { favoritesAccess } from "./favorites.ts";
import type { GatewayScope } from "./hello-scope.ts";
import { linkThread, restoredConversation, restoredState } from "./persistence.ts";
import type { ChosenProfile } from "./profiles.ts";

/** What of the gateway a new session needs (a handshake's ConnectionScope has it all). */
export interface SessionScope<S extends object> extends GatewayScope<S> {
  /** Spans for tasks and steps (loadTracing), when the app installed @opentelemetry/api. */
  readonly tracing?: Tracing | undefined;
  /** How message turns are kept durable (docs/durability.md); absent: they are not. */
  readonly durableTurns?: DurableTurnsConfig | undefined;
}

/** Who opens the session, on which thread, with the profile chosen for them. */
export interface NewSessionRequest<S extends object> {
  readonly user: User | undefined;
  readonly thread: LoadedThread | undefined;
  readonly chosen: ChosenProfile;
  readonly userEnv: Readonly<Record<string, string>> | undefined;
  /** Told when the session ends; the gateway's registry by default. */
  readonly registry?: SessionInit<S>["registry"];
}

/** Creates the session (not yet added to the registry); `secret` is a new anonymous thread's. */
export function newSession<S extends object>(
  scope: SessionScope<S>,
  request: NewSessionRequest<S>,
): { session: Session; secret: string | undefined } {
  const { options, persistence, log } = scope;
  const { user, thread, chosen } = request;
  const threadId = thread?.id ?? nanoid();
  const linked = persistence === undefined ? undefined : linkThread(persistence, threadId, user, thread, log);
  const restored = thread === undefined ? {} : restoredConversation(thread);
  const session = createSession({
    user,
    hooks: scope.hooks,
    limits: options,
    log,
    chatProfile: chosen.chatProfile,
    starters: chosen.starters,
    userEnv: request.userEnv,
    initialState: options.initialState,
    threadId,
    restoredState: thread === undefined ? undefined : (restoredState(thread) as Partial<S> | undefined),
    restoredSettings: restored.settings,
    restoredUsage: restored.usage,
    link: linked?.link,
    registry: request.registry ?? scope.registry,
    files: scope.files,
    mcp: options.mcp,
    turns: scope.registry.turns,
    durableTurns: scope.durableTurns,
    tracing: scope.tracing,
    favorites: favoritesAccess(options.favorites, persistence?.layer, user),
    grants: sessionGrants(threadId, user, persistence?.layer),
    viewers: scope.registry.viewers,
  });
  return { session, secret: linked?.secret };
}
