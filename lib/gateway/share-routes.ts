// HTTP routes of shared threads: the author shares or unshares a thread, and anyone the app allows reads it by its
// link. Every refusal is the same 404 as a missing thread: a link reveals nothing about whether it ever worked.
import { randomBytes } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Static } from "typebox";
import { type FileSigner, refreshFileUrls } from "../data/file-signer.ts";
import type { DataLayer } from "../data/layer.ts";
import { sharedView } from "../data/shared-view.ts";
import type { SharedThreadViewHook } from "../hooks/table.ts";
import { shippedSchemas } from "../protocol/schemas.generated.ts";
import type { User } from "../protocol/views.ts";
import { mayViewShared, replyTimedOut } from "./share-access.ts";

const DAY_MS = 24 * 3600 * 1000;
/** Share ids are 24 characters of base64url (144 random bits); anything longer names nothing. */
const SHARE_ID_MAX = 64;

/** Options of `shareRoutes`. */
export interface ShareRoutesOptions {
  readonly layer: DataLayer;
  /** Who is asking; undefined when anonymous (a viewer may be). */
  readonly userOf: (request: FastifyRequest) => User | undefined | Promise<User | undefined>;
  /** The app's `onSharedThreadView` now (a reload may change it); undefined: only the author may read a share. */
  readonly viewHook: () => SharedThreadViewHook | undefined;
  /** Signs the URLs of chatwire's own files afresh (stored ones expire). */
  readonly signer?: FileSigner | undefined;
  /** How long `onSharedThreadView` may take (`shareViewTimeoutMs`); 0: no limit. */
  readonly viewTimeoutMs: number;
  /** Told when the author stops sharing a thread: its live viewers go too. */
  readonly onUnshared?: ((threadId: string) => void) | undefined;
}

// Built at build time from lib/protocol (route-schemas.ts, threads.ts): no typebox at start.
const { SharedThread, ThreadParams, ThreadShare } = shippedSchemas.routes;
type ThreadParams = Static<typeof ThreadParams>;
type ThreadShare = Static<typeof ThreadShare>;
const notFound = (reply: FastifyReply) => reply.code(404).send({ code: "THREAD_NOT_FOUND", message: "no such thread" });

/** The path of a share's read-only route, beside the thread routes this request came through. */
const shareUrl = (request: FastifyRequest, shareId: string): string => {
  const path = request.url.split("?")[0] ?? "/";
  return `${path.replace(/threads\/[^/]+\/share$/, "")}shared/${shareId}`;
};

/**
 * The share routes as a Fastify plugin (encapsulated).
 * @example await server.register(shareRoutes, { layer, userOf, viewHook: () => table.onSharedThreadView });
 */
export async function shareRoutes(app: FastifyInstance, options: ShareRoutesOptions): Promise<void> {
  const { layer, userOf } = options;

  // The thread if this request comes from its author. Anonymous threads have no author to share them.
  const authored = async (request: FastifyRequest, id: string) => {
    const thread = await layer.getThread(id);
    if (thread?.userIdentifier === undefined) return undefined;
    const user = await userOf(request);
    return user?.identifier === thread.userIdentifier ? thread : undefined;
  };

  app.put<{ Params: ThreadParams }>(
    "/threads/:id/share",
    { schema: { params: ThreadParams, response: { 200: ThreadShare } } },
    async (request, reply) => {
      const { id } = request.params;
      const thread = await authored(request, id);
      if (thread === undefined) return notFound(reply);
      // The layer keeps an existing share id, so sharing again (or twice at once) answers the same link.
      const shared = await layer.setThreadShare(id, thread.shareId ?? randomBytes(18).toString("base64url"));
      if (shared?.shareId === undefined) return notFound(reply);
      return { shareId: shared.shareId, url: shareUrl(request, shared.shareId) } satisfies ThreadShare;
    },
  );

  app.delete<{ Params: ThreadParams }>(
    "/threads/:id/share",
    { schema: { params: ThreadParams } },
    async (request, reply) => {
      const { id } = request.params;
      if ((await authored(request, id)) === undefined) return notFound(reply);
      await layer.setThreadShare(id, null);
      options.onUnshared?.(id);
      return reply.code(204).send();
    },
  );

  // No params schema: a malformed id must get the same 404 as any other, not a 400.
  app.get<{ Params: { shareId: string } }>(
    "/shared/:shareId",
    { schema: { response: { 200: SharedThread } } },
    async (request, reply) => {
      const { shareId } = request.params;
      // Never from a cache: an unshared link must stop working at once, for every viewer.
      reply.header("cache-control", "no-store");
      if (shareId.length === 0 || shareId.length > SHARE_ID_MAX) return notFound(reply);
      const [thread, viewer] = await Promise.all([layer.getSharedThread(shareId), userOf(request)]);
      if (thread === undefined) return notFound(reply);
      const access = { hook: options.viewHook(), timeoutMs: options.viewTimeoutMs, log: request.log };
      try {
        if (!(await mayViewShared(thread, viewer, access))) return notFound(reply);
      } catch (error) {
        if (replyTimedOut(reply, error, "message")) return reply;
        throw error;
      }
      const signer = options.signer;
      return sharedView(signer === undefined ? thread : refreshFileUrls(thread, signer, Date.now() + DAY_MS));
    },
  );
}
