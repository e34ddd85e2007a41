// HTTP routes over stored threads: list, get, rename, delete. Only the owner sees or changes a thread; anonymous
// threads need their secret. Anything else is the same 404 as a missing thread, so ids reveal nothing. The session
// store saved in a thread's metadata is the server's: no answer carries it.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Static } from "typebox";
import { THREAD_SECRET_HEADER } from "../protocol/constants.ts";
import { shippedSchemas } from "../protocol/schemas.generated.ts";
import type { User } from "../protocol/views.ts";
import { type FileSigner, refreshFileUrls } from "./file-signer.ts";
import { clientThread, type DataLayer, type ThreadRecord } from "./layer.ts";
import { secretMatches } from "./secret.ts";

const DAY_MS = 24 * 3600 * 1000;

// The route shapes live in lib/protocol (clients read them there); re-exported for the server's importers.
export { ListThreadsQuery, RenameThreadBody, THREAD_SECRET_HEADER, ThreadList, ThreadSummary };

/** Options of `threadRoutes`. */
export interface ThreadRoutesOptions {
  readonly layer: DataLayer;
  /** Who is asking (e.g. from a session cookie or a bearer token); undefined when anonymous. */
  readonly userOf: (request: FastifyRequest) => User | undefined | Promise<User | undefined>;
  /** Signs the URLs of chatwire's own files afresh in `GET /threads/:id` (stored ones expire). */
  readonly signer?: FileSigner | undefined;
  /** Route prefix, applied by Fastify's `register` (e.g. "/api" gives /api/threads). */
  readonly prefix?: string;
}

// Declared in lib/protocol (threads.ts, route-schemas.ts), built at build time: no typebox at start.
const { ListThreadsQuery, RenameThreadBody, SecretHeaders, ThreadList, ThreadParams, ThreadSummary } =
  shippedSchemas.routes;
type ListThreadsQuery = Static<typeof ListThreadsQuery>;
type RenameThreadBody = Static<typeof RenameThreadBody>;
type SecretHeaders = Static<typeof SecretHeaders>;
type ThreadList = Static<typeof ThreadList>;
type ThreadParams = Static<typeof ThreadParams>;
type ThreadSummary = Static<typeof ThreadSummary>;

const summary = (thread: ThreadRecord): ThreadSummary => ({
  id: thread.id,
  createdAt: thread.createdAt,
  ...(thread.name === undefined ? {} : { name: thread.name }),
  tags: [...thread.tags],
});
const notFound = (reply: FastifyReply) => reply.code(404).send({ code: "THREAD_NOT_FOUND", message: "no such thread" });

/**
 * The thread routes as a Fastify plugin (encapsulated).
 * @example await server.register(threadRoutes, { layer, userOf: (req) => req.user, prefix: "/api" });
 */
export async function threadRoutes(app: FastifyInstance, options: ThreadRoutesOptions): Promise<void> {
  const { layer, userOf } = options;

  // The thread if this request may use it: the owner for owned threads, the secret's holder for anonymous ones.
  const accessible = async (request: FastifyRequest, id: string, secret: string | undefined) => {
    const thread = await layer.getThread(id);
    if (thread === undefined) return undefined;
    if (thread.userId !== undefined) {
      const user = await userOf(request);
      return user !== undefined && user.identifier === thread.userIdentifier ? thread : undefined;
    }
    return secretMatches(thread.secretHash, secret) ? thread : undefined;
  };

  app.get<{ Querystring: ListThreadsQuery }>(
    "/threads",
    { schema: { querystring: ListThreadsQuery, response: { 200: ThreadList } } },
    async (request, reply) => {
      const user = await userOf(request);
      if (user === undefined) return reply.code(401).send({ code: "UNAUTHENTICATED", message: "sign in first" });
      const stored = await layer.getUser(user.identifier);
      if (stored === undefined) return { threads: [] } satisfies ThreadList;
      const { search, limit, cursor } = request.query;
      const page = await layer.listThreads({
        userId: stored.id,
        ...(search === undefined ? {} : { search }),
        ...(limit === undefined ? {} : { limit }),
        ...(cursor === undefined ? {} : { cursor }),
      });
      const list: ThreadList = { threads: page.threads.map(summary) };
      return page.nextCursor === undefined ? list : { ...list, nextCursor: page.nextCursor };
    },
  );

  app.get<{ Params: ThreadParams; Headers: SecretHeaders }>(
    "/threads/:id",
    { schema: { params: ThreadParams, headers: SecretHeaders } },
    async (request, reply) => {
      const { id } = request.params;
      if ((await accessible(request, id, request.headers[THREAD_SECRET_HEADER])) === undefined) return notFound(reply);
      const thread = await layer.loadThread(id);
      if (thread === undefined) return notFound(reply);
      const signer = options.signer;
      return clientThread(signer === undefined ? thread : refreshFileUrls(thread, signer, Date.now() + DAY_MS));
    },
  );

  app.patch<{ Params: ThreadParams; Headers: SecretHeaders; Body: RenameThreadBody }>(
    "/threads/:id",
    {
      schema: {
        params: ThreadParams,
        headers: SecretHeaders,
        body: RenameThreadBody,
        response: { 200: ThreadSummary },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      if ((await accessible(request, id, request.headers[THREAD_SECRET_HEADER])) === undefined) return notFound(reply);
      const updated = await layer.updateThread(id, { name: request.body.name });
      return updated === undefined ? notFound(reply) : summary(updated);
    },
  );

  app.delete<{ Params: ThreadParams; Headers: SecretHeaders }>(
    "/threads/:id",
    { schema: { params: ThreadParams, headers: SecretHeaders } },
    async (request, reply) => {
      const { id } = request.params;
      if ((await accessible(request, id, request.headers[THREAD_SECRET_HEADER])) === undefined) return notFound(reply);
      await layer.deleteThread(id);
      return reply.code(204).send();
    },
  );
}
