// Chainlit's thread-list routes over chatwire's data layer: `POST /project/threads` (a page of the user's threads),
// `PUT /project/thread` (rename) and `DELETE /project/thread`. Only the owner lists, renames or deletes a thread;
// anyone else gets the same 404 as for a missing one. A thread is reopened over the socket (`threadId` in auth).
import type { IncomingHttpHeaders } from "node:http";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { authenticate } from "../../auth/authenticate.ts";
import type { TokenIssuer } from "../../auth/tokens.ts";
import type { DataLayer, ThreadRecord } from "../../data/layer.ts";
import type { HookTable } from "../../hooks/table.ts";

/** What the thread routes need: the store, and who is asking. */
export interface ChainlitThreadOptions<S extends object> {
  readonly layer: DataLayer;
  readonly hooks: HookTable<S>;
  readonly tokens: TokenIssuer | undefined;
  readonly requestOf: (headers: IncomingHttpHeaders) => FastifyRequest;
}

interface ListBody {
  pagination?: { first?: unknown; cursor?: unknown };
  filter?: { search?: unknown };
}
interface ThreadBody {
  threadId?: unknown;
  name?: unknown;
}

/** A thread as an entry of Chainlit's list (a ThreadDict without its steps; the saved session stays here). */
const listed = (thread: ThreadRecord) => ({
  id: thread.id,
  createdAt: thread.createdAt,
  name: thread.name ?? null,
  userIdentifier: thread.userIdentifier ?? null,
  tags: [...thread.tags],
  // Chainlit's list marks a shared thread by this flag (and its share dialog offers to unshare it).
  metadata: thread.shareId === undefined ? {} : { is_shared: true },
  steps: [],
  elements: [],
});

export async function chainlitThreadRoutes<S extends object>(app: FastifyInstance, options: ChainlitThreadOptions<S>) {
  const { layer, hooks, tokens } = options;

  /** The logged-in user, or a 401 sent. */
  async function userOf(request: FastifyRequest, reply: FastifyReply) {
    const auth = await authenticate(options.requestOf(request.headers), hooks, tokens);
    if (auth.ok && auth.user !== undefined) return auth.user;
    await reply.code(401).send({ code: "UNAUTHENTICATED", detail: "log in first" });
    return undefined;
  }

  /** The thread `threadId` names if the requester owns it, or a 404 sent. */
  async function ownThread(request: FastifyRequest<{ Body: ThreadBody }>, reply: FastifyReply) {
    const user = await userOf(request, reply);
    if (user === undefined) return undefined;
    const threadId = request.body?.threadId;
    const thread = typeof threadId === "string" && threadId.length <= 64 ? await layer.getThread(threadId) : undefined;
    if (thread?.userIdentifier === undefined || thread.userIdentifier !== user.identifier) {
      await reply.code(404).send({ code: "THREAD_NOT_FOUND", detail: "Thread not found" });
      return undefined;
    }
    return thread;
  }

  app.post<{ Body: ListBody }>("/project/threads", async (request, reply) => {
    const user = await userOf(request, reply);
    if (user === undefined) return reply;
    const stored = await layer.getUser(user.identifier);
    const { first, cursor } = request.body?.pagination ?? {};
    const search = request.body?.filter?.search;
    const page =
      stored === undefined
        ? { threads: [] }
        : await layer.listThreads({
            userId: stored.id,
            limit: typeof first === "number" && Number.isInteger(first) ? Math.min(Math.max(first, 1), 100) : 20,
            ...(typeof cursor === "string" && cursor !== "" ? { cursor } : {}),
            ...(typeof search === "string" && search !== "" ? { search: search.slice(0, 256) } : {}),
          });
    const nextCursor = "nextCursor" in page ? page.nextCursor : undefined;
    return {
      pageInfo: {
        hasNextPage: nextCursor !== undefined,
        startCursor: page.threads[0]?.id ?? null,
        endCursor: nextCursor ?? null,
      },
      data: page.threads.map(listed),
    };
  });

  app.put<{ Body: ThreadBody }>("/project/thread", async (request, reply) => {
    const thread = await ownThread(request, reply);
    if (thread === undefined) return reply;
    const name = request.body?.name;
    if (typeof name !== "string" || name.length === 0 || name.length > 256) {
      return reply.code(400).send({ code: "BAD_FRAME", detail: "name must be 1 to 256 characters" });
    }
    await layer.updateThread(thread.id, { name });
    return { success: true };
  });

  app.delete<{ Body: ThreadBody }>("/project/thread", async (request, reply) => {
    const thread = await ownThread(request, reply);
    if (thread === undefined) return reply;
    await layer.deleteThread(thread.id);
    return { success: true };
  });
}
