// The AG-UI endpoint: `POST <path>` with a RunAgentInput answers an SSE stream of AG-UI events. The request is
// checked as the WebSocket upgrade is (origin, then the same authentication); its thread is a chatwire session
// that lives between runs, so consecutive runs share `ctx.state`, and with persistence a user's thread reopens
// after its session has ended (`onChatResume`, the state restored).

import type { FastifyInstance, FastifyReply } from "fastify";
import { nanoid } from "nanoid";
import { authenticate } from "../../auth/authenticate.ts";
import { isAllowedOrigin } from "../../auth/origin.ts";
import type { TokenIssuer } from "../../auth/tokens.ts";
import type { LoadedThread } from "../../data/layer.ts";
import type { ErrorCode } from "../../errors.ts";
import { type ConnectionScope, makeRoom } from "../../gateway/handshake.ts";
import { linkThread, restoredState } from "../../gateway/persistence.ts";
import type { User } from "../../protocol/views.ts";
import { sessionGrants } from "../../session/grants.ts";
import { createSession } from "../../session/live-session.ts";
import type { Session } from "../../session/session.ts";
import { checkRunInput } from "./input.ts";
import { AguiThread } from "./thread.ts";

/** What the AG-UI routes need of their gateway. */
export interface AguiRouteOptions<S extends object> {
  readonly path: string;
  readonly scope: ConnectionScope<S>;
  readonly tokens: TokenIssuer | undefined;
  readonly shuttingDown: () => boolean;
}

/** A refusal before the stream starts: an HTTP status and a typed error body. */
class Refusal {
  readonly status: number;
  readonly code: ErrorCode;
  readonly message: string;

  constructor(status: number, code: ErrorCode, message: string) {
    this.status = status;
    this.code = code;
    this.message = message;
  }
}

const refuse = (reply: FastifyReply, { status, code, message }: Refusal) => reply.code(status).send({ code, message });

/** The AG-UI endpoint as a Fastify plugin (registered inside the chatwire plugin, beside its WebSocket route). */
export async function aguiRoutes<S extends object>(app: FastifyInstance, options: AguiRouteOptions<S>): Promise<void> {
  const { scope, tokens } = options;
  const { options: gateway } = scope;
  /** Live threads by user and thread id (a thread id names a conversation only within its user's). */
  const threads = new Map<string, AguiThread>();
  const opening = new Map<string, Promise<AguiThread | Refusal>>();

  async function openThread(user: User | undefined, threadId: string): Promise<AguiThread | Refusal> {
    const key = `${user?.identifier ?? ""}\n${threadId}`;
    const live = threads.get(key);
    if (live !== undefined && !live.session.ended) return live;
    let pending = opening.get(key);
    if (pending === undefined) {
      pending = newThread(key, user, threadId).finally(() => opening.delete(key));
      opening.set(key, pending);
    }
    return pending;
  }

  async function newThread(key: string, user: User | undefined, threadId: string): Promise<AguiThread | Refusal> {
    const { persistence, registry, log } = scope;
    const place = registry.placeOnNode(gateway.maxSessionsPerNode);
    if (place === undefined) {
      return new Refusal(
        503,
        "SERVER_FULL",
        `this server holds ${gateway.maxSessionsPerNode} sessions: try again later`,
      );
    }
    let reserved = false;
    try {
      if (user !== undefined && !(await makeRoom(scope, user.identifier))) {
        return new Refusal(429, "TOO_MANY_SESSIONS", `a user may hold ${gateway.maxSessionsPerUser} sessions at once`);
      }
      reserved = user !== undefined;
      let loaded: LoadedThread | undefined;
      // A user's thread is stored under the client's id and reopened by it; an anonymous client has no way to
      // prove a stored thread is its own, so its session gets a stored thread of its own id.
      let storedId = user === undefined ? nanoid() : threadId;
      if (persistence !== undefined && user !== undefined) {
        const record = await persistence.layer.getThread(threadId);
        if (record !== undefined && record.userIdentifier !== user.identifier) {
          return new Refusal(404, "THREAD_NOT_FOUND", "no such thread (or not yours)");
        }
        if (record !== undefined) loaded = await persistence.layer.loadThread(threadId);
        storedId = threadId;
      }
      const linked = persistence === undefined ? undefined : linkThread(persistence, storedId, user, loaded, log);
      const session: Session = createSession({
        user,
        hooks: scope.hooks,
        limits: gateway,
        log,
        initialState: gateway.initialState,
        threadId: storedId,
        restoredState: loaded === undefined ? undefined : (restoredState(loaded) as Partial<S> | undefined),
        link: linked?.link,
        grants: sessionGrants(storedId, user, persistence?.layer),
        turns: registry.turns,
        registry: {
          delete(ended) {
            registry.delete(ended);
            if (threads.get(key)?.session === ended) threads.delete(key);
          },
        },
      });
      registry.add(session, reserved);
      reserved = false;
      place.release();
      const hook = loaded === undefined ? scope.hooks.table.onChatStart : scope.hooks.table.onChatResume;
      const thread = new AguiThread(session, threadId, { thread: loaded, tasks: hook === undefined ? 0 : 1 });
      threads.set(key, thread);
      return thread;
    } finally {
      place.release();
      if (reserved && user !== undefined) registry.release(user.identifier);
    }
  }

  app.post(options.path, async (request, reply) => {
    if (!isAllowedOrigin(request.headers.origin, request.headers.host, gateway.allowedOrigins)) {
      return refuse(reply, new Refusal(403, "FORBIDDEN", "this origin may not run the agent"));
    }
    if (options.shuttingDown()) return refuse(reply, new Refusal(503, "SESSION_CLOSED", "server shutting down"));
    const auth = await authenticate(request, scope.hooks.table, tokens);
    if (!auth.ok) return refuse(reply, new Refusal(401, "UNAUTHENTICATED", auth.reason));
    const checked = checkRunInput(request.body);
    if (!checked.ok) return refuse(reply, new Refusal(400, "BAD_FRAME", checked.message));
    const { input } = checked;
    const thread = await openThread(auth.user, input.threadId);
    if (thread instanceof Refusal) return refuse(reply, thread);
    if (thread.busy) {
      return refuse(reply, new Refusal(409, "RUN_IN_PROGRESS", "a run of this thread is still going on"));
    }
    reply.hijack();
    thread.run(input, reply.raw);
    return reply;
  });
}
