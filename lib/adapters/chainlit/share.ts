// Chainlit's shared-thread routes over chatwire's share feature (lib/gateway/share-routes.ts):
// `PUT /project/thread/share` ({threadId, isShared}, author only) and `GET /project/share/:threadId` (Chainlit's
// share page links by thread id). Stricter than Chainlit: a thread is readable only while its author shares it, and
// then by its author or whoever `onSharedThreadView` allows; every refusal is the same 404 as a missing thread.
import { randomBytes } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { authenticate } from "../../auth/authenticate.ts";
import type { TokenIssuer } from "../../auth/tokens.ts";
import { type FileSigner, refreshFileUrls } from "../../data/file-signer.ts";
import type { DataLayer } from "../../data/layer.ts";
import { sharedView } from "../../data/shared-view.ts";
import { mayViewShared, replyTimedOut } from "../../gateway/share-access.ts";
import type { HookTable } from "../../hooks/table.ts";
import { threadDict } from "./steps.ts";

const DAY_MS = 24 * 3600 * 1000;

export interface ChainlitShareOptions<S extends object> {
  readonly layer: DataLayer;
  /** The hook table now (a reload may change `onSharedThreadView`). */
  readonly table: () => HookTable<S>;
  readonly tokens: TokenIssuer | undefined;
  readonly requestOf: (headers: IncomingHttpHeaders) => FastifyRequest;
  readonly signer?: FileSigner | undefined;
  /** How long `onSharedThreadView` may take (`shareViewTimeoutMs`); 0: no limit. */
  readonly viewTimeoutMs: number;
}

interface ShareBody {
  threadId?: unknown;
  isShared?: unknown;
}

const notFound = (reply: FastifyReply) =>
  reply.code(404).send({ code: "THREAD_NOT_FOUND", detail: "Thread not found" });
const validId = (id: unknown): id is string => typeof id === "string" && id.length > 0 && id.length <= 64;

export async function chainlitShareRoutes<S extends object>(app: FastifyInstance, options: ChainlitShareOptions<S>) {
  const { layer, tokens } = options;
  const userOf = async (request: FastifyRequest) => {
    const auth = await authenticate(options.requestOf(request.headers), options.table(), tokens);
    return auth.ok ? auth.user : undefined;
  };

  app.put<{ Body: ShareBody }>("/project/thread/share", async (request, reply) => {
    const user = await userOf(request);
    if (user === undefined) return reply.code(401).send({ code: "UNAUTHENTICATED", detail: "log in first" });
    const { threadId, isShared } = request.body ?? {};
    if (typeof isShared !== "boolean") {
      return reply.code(400).send({ code: "BAD_FRAME", detail: "isShared must be true or false" });
    }
    const thread = validId(threadId) ? await layer.getThread(threadId) : undefined;
    if (thread?.userIdentifier === undefined || thread.userIdentifier !== user.identifier) return notFound(reply);
    // Sharing again keeps the link; unsharing closes it at once, for every viewer.
    const share = isShared ? (thread.shareId ?? randomBytes(18).toString("base64url")) : null;
    if ((await layer.setThreadShare(thread.id, share)) === undefined) return notFound(reply);
    return { success: true };
  });

  app.get<{ Params: { threadId: string } }>("/project/share/:threadId", async (request, reply) => {
    reply.header("cache-control", "no-store");
    const { threadId } = request.params;
    const shareId = validId(threadId) ? (await layer.getThread(threadId))?.shareId : undefined;
    if (shareId === undefined) return notFound(reply);
    const [thread, viewer] = await Promise.all([layer.getSharedThread(shareId), userOf(request)]);
    if (thread === undefined) return notFound(reply);
    const access = { hook: options.table().onSharedThreadView, timeoutMs: options.viewTimeoutMs, log: request.log };
    try {
      if (!(await mayViewShared(thread, viewer, access))) return notFound(reply);
    } catch (error) {
      if (replyTimedOut(reply, error, "detail")) return reply;
      throw error;
    }
    const signer = options.signer;
    const shown = sharedView(signer === undefined ? thread : refreshFileUrls(thread, signer, Date.now() + DAY_MS));
    // Chainlit's ThreadDict, without its author's ids, settings, env or what the app marked private.
    return {
      ...threadDict(threadId, shown.name, shown.steps),
      createdAt: shown.createdAt,
      metadata: shown.metadata,
      tags: shown.tags,
    };
  });
}
