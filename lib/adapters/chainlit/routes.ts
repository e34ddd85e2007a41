// The HTTP routes Chainlit's client calls beside its socket: what the app offers (`/auth/config`,
// `/project/settings`), who is logged in (`/user`), and the interactions Chainlit sends over HTTP (an action
// pressed, feedback given, a file uploaded), each turned into a command of the session named in the body.
import type { IncomingHttpHeaders } from "node:http";
import multipart from "@fastify/multipart";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { authenticate } from "../../auth/authenticate.ts";
import type { TokenIssuer } from "../../auth/tokens.ts";
import { MULTIPART_LIMITS, receiveUpload } from "../../gateway/file-routes.ts";
import type { ConnectionScope } from "../../gateway/handshake.ts";
import type { ChainlitSession } from "./live.ts";
import { chainlitShareRoutes } from "./share.ts";
import { chainlitThreadRoutes } from "./threads.ts";

export interface ChainlitRouteOptions<S extends object> {
  readonly scope: ConnectionScope<S>;
  readonly tokens: TokenIssuer | undefined;
  readonly sessions: ReadonlyMap<string, ChainlitSession>;
  readonly requestOf: (headers: IncomingHttpHeaders) => FastifyRequest;
}

interface ActionBody {
  sessionId?: string;
  action?: { id?: string };
}
interface FeedbackBody {
  sessionId?: string;
  feedback?: { forId?: string; value?: number; comment?: string };
}

export async function chainlitRoutes<S extends object>(app: FastifyInstance, options: ChainlitRouteOptions<S>) {
  const { scope, tokens, sessions } = options;
  const { hooks } = scope.options;

  /** The live session a request names, if the requester is its user. */
  async function ownSession(request: FastifyRequest, reply: FastifyReply, sessionId: unknown) {
    const auth = await authenticate(options.requestOf(request.headers), scope.hooks.table, tokens);
    if (!auth.ok) {
      await reply.code(401).send({ code: "UNAUTHENTICATED", message: auth.reason });
      return undefined;
    }
    const live = typeof sessionId === "string" ? sessions.get(sessionId) : undefined;
    if (live === undefined || live.session.ended || live.user?.identifier !== auth.user?.identifier) {
      await reply.code(404).send({ code: "SESSION_CLOSED", message: "no such live session (or not yours)" });
      return undefined;
    }
    return live;
  }

  // Chainlit's login page shows a button per provider, linking to /auth/oauth/<id>: chatwire's own route.
  const oauthProviders = (scope.options.auth?.oauthProviders ?? []).map((provider) => provider.id);
  const requireLogin = hooks.passwordAuth !== undefined || hooks.headerAuth !== undefined || oauthProviders.length > 0;
  app.get("/auth/config", async () => ({
    requireLogin,
    passwordAuth: hooks.passwordAuth !== undefined,
    headerAuth: hooks.headerAuth !== undefined,
    oauthProviders,
  }));

  app.get("/user", async (request, reply) => {
    const auth = await authenticate(options.requestOf(request.headers), scope.hooks.table, tokens);
    if (!auth.ok || auth.user === undefined)
      return reply.code(401).send({ code: "UNAUTHENTICATED", message: "not logged in" });
    return {
      ...auth.user,
      display_name: auth.user.displayName ?? auth.user.identifier,
      metadata: auth.user.metadata ?? {},
    };
  });

  app.get("/project/settings", async () => ({
    ui: { name: "chatwire" },
    features: {
      // Uploads go through POST /project/file under the gateway's limits.
      spontaneous_file_upload: {
        enabled: true,
        accept: [...scope.options.uploadAccept],
        max_size_mb: Math.max(1, Math.floor(scope.options.maxUploadBytes / 1_000_000)),
      },
      audio: { enabled: hooks.onAudioChunk !== undefined },
    },
    userEnv: [...(hooks.userEnv ?? [])],
    dataPersistence: scope.persistence !== undefined,
    threadResumable: scope.persistence !== undefined && hooks.onChatResume !== undefined,
    // Chainlit's share button shows only when someone besides the author may read a share.
    threadSharing: scope.persistence !== undefined && scope.hooks.table.onSharedThreadView !== undefined,
    markdown: "",
    chatProfiles: [],
    starters: [],
  }));

  app.post("/set-session-cookie", async () => ({ message: "ok" }));

  const layer = scope.persistence?.layer;
  if (layer !== undefined) {
    await app.register(chainlitThreadRoutes<S>, { layer, hooks, tokens, requestOf: options.requestOf });
    const table = () => scope.hooks.table;
    const signer = scope.files.signer;
    const viewTimeoutMs = scope.options.shareViewTimeoutMs;
    const shareOptions = { layer, table, tokens, requestOf: options.requestOf, signer, viewTimeoutMs };
    await app.register(chainlitShareRoutes<S>, shareOptions);
  }

  // Chainlit's upload: one file for the session in the query, stored as POST /files stores it; the answer's `id` comes
  // back in a message's `fileReferences` or a file ask's answer.
  await app.register(multipart, { limits: MULTIPART_LIMITS, throwFileSizeLimit: false });
  app.post<{ Querystring: { session_id?: string } }>("/project/file", async (request, reply) => {
    const live = await ownSession(request, reply, request.query.session_id);
    if (live === undefined) return reply;
    const { store, signer } = scope.files;
    const grant = { sessionId: live.session.id, userIdentifier: live.user?.identifier, expiresAt: Date.now() + 60_000 };
    return receiveUpload(request, reply, grant, { store, signer, limits: scope.options }, 200);
  });

  app.post<{ Body: ActionBody }>("/project/action", async (request, reply) => {
    const live = await ownSession(request, reply, request.body?.sessionId);
    if (live === undefined) return reply;
    const actionId = request.body?.action?.id;
    if (typeof actionId !== "string")
      return reply.code(400).send({ code: "BAD_FRAME", message: "action.id is required" });
    live.session.receive({ type: "action_call", id: actionId.slice(0, 64), actionId: actionId.slice(0, 64) });
    return { success: true };
  });

  app.put<{ Body: FeedbackBody }>("/feedback", async (request, reply) => {
    const live = await ownSession(request, reply, request.body?.sessionId);
    if (live === undefined) return reply;
    const feedback = request.body?.feedback;
    const value = feedback?.value;
    if (typeof feedback?.forId !== "string" || (value !== 0 && value !== 1)) {
      return reply.code(400).send({ code: "BAD_FRAME", message: "feedback needs forId and value 0 or 1" });
    }
    const id = `fb-${feedback.forId}`.slice(0, 64);
    live.session.receive({
      type: "feedback",
      id,
      messageId: feedback.forId,
      value,
      ...(typeof feedback.comment === "string" ? { comment: feedback.comment.slice(0, 4096) } : {}),
    });
    return { success: true, feedbackId: id };
  });
}
