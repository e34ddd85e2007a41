// The hello handshake of one connection: the protocol version, then a live session resumed (its token and user
// checked) or a new one opened — within the user's session limit, on a stored thread the user may reopen — and
// welcomed. After it, the connection only carries frames to the session and back.

import { timingSafeEqual } from "node:crypto";
import type { RemoteSession } from "../cluster/relay.ts";
import { FILE_URL_TTL_MS, type FileAccess } from "../context/files.ts";
import { refreshFileUrls } from "../data/file-signer.ts";
import { isChatwireError } from "../errors.ts";
import type { HookTable } from "../hooks/table.ts";
import type { Hello, ResumeRequest } from "../protocol/client.ts";
import { PROTOCOL_VERSION } from "../protocol/constants.ts";
import type { ServerFrameOf } from "../protocol/server.ts";
import type { Session } from "../session/session.ts";
import { type HandshakeConnection, placeOnNode } from "./hello-scope.ts";
import type { LiveTokens } from "./live-tokens.ts";
import { newSession, type SessionScope } from "./new-session.ts";
import { loadOwnedThread, restoredConversation } from "./persistence.ts";
import { type ChosenProfile, chooseProfile } from "./profiles.ts";
import type { SessionRegistry } from "./registry.ts";
import { openViewer, type ViewerScope } from "./viewer-hello.ts";

export type { ConnectionFrame, HandshakeConnection } from "./hello-scope.ts";

/** What one gateway shares with all its connections: what a new session and a viewer need, and more. */
export interface ConnectionScope<S extends object> extends SessionScope<S>, ViewerScope<S> {
  /** The sockets opened with a session token, when users log in with passwordAuth. */
  readonly liveTokens?: LiveTokens | undefined;
}

/** What a connection drives after the handshake: a session held here, or one relayed to the node holding it. */
export type SessionPort = Pick<Session, "receive" | "reportError" | "disconnect"> | RemoteSession;

/** How long an upload ticket lasts; each welcome (a resume too) brings a fresh one. */
const UPLOAD_TICKET_TTL_MS = 24 * 3600 * 1000;

const sameSecret = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

function welcome(
  connection: HandshakeConnection,
  files: FileAccess,
  live: Session,
  resumed: boolean,
  userEnvKeys: readonly string[] | undefined,
  threadSecret?: string,
) {
  const { user } = connection;
  const uploadToken = files.signer.uploadTicket({
    sessionId: live.id,
    userIdentifier: user?.identifier,
    expiresAt: Date.now() + UPLOAD_TICKET_TTL_MS,
  });
  connection.send({
    seq: 0,
    type: "welcome",
    protocol: PROTOCOL_VERSION,
    sessionId: live.id,
    resumeToken: live.resumeToken,
    threadId: live.threadId,
    resumed,
    lastSeq: live.seq,
    ...(live.chatProfile === undefined ? {} : { chatProfile: live.chatProfile }),
    ...(threadSecret === undefined ? {} : { threadSecret }),
    ...(user === undefined ? {} : { user }),
    ...(userEnvKeys === undefined ? {} : { userEnv: [...userEnvKeys] }),
    uploadToken,
    ...(live.mcpTransports === undefined ? {} : { mcp: { transports: [...live.mcpTransports] } }),
    ...(live.viewOnly === true ? { view: true } : {}),
  });
}

/** The hello's values of the declared keys; an undeclared key is refused (BAD_FRAME naming it), the rest kept. */
function userEnvOf(
  hello: Hello,
  declared: readonly string[] | undefined,
  connection: HandshakeConnection,
): Record<string, string> | undefined {
  if (hello.userEnv === undefined) return undefined;
  const kept: Record<string, string> = {};
  for (const [key, value] of Object.entries(hello.userEnv)) {
    if (declared?.includes(key)) kept[key] = value;
    else connection.error("BAD_FRAME", `hello: userEnv key "${key.slice(0, 64)}" is not one the app declares`);
  }
  return kept;
}

/**
 * Re-attaches a live session held here, or says why not (then the caller opens a new one). When the old session is
 * still ending, `ending` settles once it has run onChatEnd and flushed its writes: a thread reopened before that
 * would miss its last steps and state. A relayed resume (lib/cluster) runs it on the holding node too.
 */
export function resumeHere(
  request: ResumeRequest,
  connection: HandshakeConnection,
  registry: SessionRegistry,
  files: FileAccess,
): { live?: Session; ending?: Promise<void> } {
  const target = registry.get(request.sessionId);
  const refuse = (reason: ServerFrameOf<"resume_failed">["reason"], ending?: Promise<void>) => {
    connection.send({ seq: 0, type: "resume_failed", sessionId: request.sessionId, reason });
    return ending === undefined ? {} : { ending };
  };
  if (target === undefined) return refuse("expired");
  // The token is checked first: without it, nothing about the session is revealed.
  if (!sameSecret(target.resumeToken, request.resumeToken)) return refuse("forbidden");
  if (target.user?.identifier !== connection.user?.identifier) return refuse("forbidden");
  if (!target.canResume(request.lastSeq)) return refuse("overflow", target.end("disconnect"));
  if (target.ended) return refuse("expired", target.end("disconnect"));
  welcome(connection, files, target, true, undefined);
  target.attach(connection.sink, request.lastSeq);
  return { live: target };
}

/**
 * Reserves a place for one more session of the user. At the limit, the user's oldest session that has lost its
 * connection is ended to make room: reloading a page a few times must not lock its user out for the grace period.
 */
export async function makeRoom<S extends object>(scope: ConnectionScope<S>, identifier: string): Promise<boolean> {
  const { registry, options, cluster } = scope;
  // In a cluster the limit counts the user's sessions on every node (as the directory last saw them).
  const elsewhere = cluster === undefined ? 0 : await cluster.countElsewhere(identifier).catch(() => 0);
  for (;;) {
    if (registry.reserve(identifier, options.maxSessionsPerUser - elsewhere)) return true;
    const victim = registry.oldestDetached(identifier);
    if (victim === undefined) return false;
    await victim.end("disconnect");
  }
}

/**
 * Answers a `hello`: resumes the live session it names, or opens a new one (on the stored thread it names, if the
 * user may reopen it). Resolves with the session now attached to the connection, or undefined when there is none
 * (refused: the connection was told why, and closed if it cannot go on).
 */
export async function handshake<S extends object>(
  hello: Hello,
  connection: HandshakeConnection,
  scope: ConnectionScope<S>,
): Promise<SessionPort | undefined> {
  const { options, registry, persistence, log } = scope;
  const hooks = scope.hooks.table;
  const { user } = connection;
  if (hello.protocol !== PROTOCOL_VERSION) {
    connection.error("PROTOCOL_VERSION", `this server speaks protocol ${PROTOCOL_VERSION}`);
    connection.close(1002, "protocol version");
    return undefined;
  }
  let resumed: { live?: Session; ending?: Promise<void> } = {};
  if (hello.resume !== undefined && scope.cluster !== undefined && registry.get(hello.resume.sessionId) === undefined) {
    // Not held here: relayed to the node that holds it, or refused as a local miss would be.
    const relayed = await scope.cluster.resume(hello.resume, user, connection.sink);
    if ("remote" in relayed) return relayed.remote;
    if (!connection.open) return undefined;
    connection.send({ seq: 0, type: "resume_failed", sessionId: hello.resume.sessionId, reason: relayed.refused });
  } else if (hello.resume !== undefined) {
    resumed = resumeHere(hello.resume, connection, registry, scope.files);
  }
  if (resumed.live !== undefined) return resumed.live;
  await resumed.ending;
  if (hello.view !== undefined) return openViewer(hello.view, connection, scope);
  const place = placeOnNode(scope, connection);
  if (place === undefined) return undefined;
  let reserved = false;
  try {
    if (user !== undefined && !(await makeRoom(scope, user.identifier))) {
      connection.error("TOO_MANY_SESSIONS", `a user may hold ${options.maxSessionsPerUser} sessions at once`);
      connection.close(4429, "too many sessions");
      return undefined;
    }
    reserved = user !== undefined;
    const thread =
      hello.thread === undefined || persistence === undefined
        ? undefined
        : await loadOwnedThread(persistence, hello.thread, user);
    if (hello.thread !== undefined && thread === undefined) {
      // Missing and foreign threads get the same answer: existence is not revealed.
      connection.error("THREAD_NOT_FOUND", "no such thread (or not yours); a new conversation starts");
    }
    const restored = thread === undefined ? {} : restoredConversation(thread);
    let chosen: ChosenProfile;
    try {
      chosen = await chooseProfile(hooks as HookTable<object>, user, hello.chatProfile, restored.chatProfile);
    } catch (error) {
      if (isChatwireError(error, "UNKNOWN_PROFILE")) {
        connection.error("UNKNOWN_PROFILE", error.message);
        connection.close(4404, "unknown chat profile");
      } else {
        log.error({ err: error }, "setChatProfiles or setStarters failed");
        connection.error("HANDLER_FAILED", "the chat profiles could not be listed");
        connection.close(1011, "profiles failed");
      }
      return undefined;
    }
    if (!connection.open) return undefined;
    const { session: live, secret } = newSession(scope, {
      user,
      thread,
      chosen,
      userEnv: userEnvOf(hello, hooks.userEnv, connection),
    });
    registry.add(live, reserved);
    reserved = false;
    place.release();
    // Listed in the cluster's directory before the client learns its id: a resume on another node must find it.
    await scope.cluster?.listed(live.id);
    // A stored thread may have sessions on other nodes: their turns are followed here from the welcome on.
    if (thread !== undefined) await scope.cluster?.watchThread(live.threadId);
    welcome(connection, scope.files, live, false, hooks.userEnv, secret);
    live.attach(connection.sink, 0);
    // Stored file URLs expire: the reopened history gets fresh ones.
    live.start(
      thread === undefined ? undefined : refreshFileUrls(thread, scope.files.signer, Date.now() + FILE_URL_TTL_MS),
    );
    return live;
  } finally {
    place.release();
    if (reserved && user !== undefined) registry.release(user.identifier);
  }
}
