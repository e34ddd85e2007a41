// The HTTP routes over stored threads (lib/data/routes.ts serves them): their queries, bodies and answers.
// Declared here, beside the frames, so clients take them from chatwire/protocol without the server's code.
import { type Static, Type } from "typebox";

/** The header that carries an anonymous thread's secret. */
export const THREAD_SECRET_HEADER = "x-chatwire-thread-secret";

/** `GET /threads` query: `cursor` is the previous page's `nextCursor`. */
export const ListThreadsQuery = Type.Object({
  search: Type.Optional(Type.String({ maxLength: 200 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  cursor: Type.Optional(Type.String({ pattern: "^[0-9]{1,18}$" })),
});
export type ListThreadsQuery = Static<typeof ListThreadsQuery>;
/** `PATCH /threads/:id` body. */
export const RenameThreadBody = Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }) });
export type RenameThreadBody = Static<typeof RenameThreadBody>;
/** A thread in a list: no history, no metadata. */
export const ThreadSummary = Type.Object({
  id: Type.String(),
  createdAt: Type.String(),
  name: Type.Optional(Type.String()),
  tags: Type.Array(Type.String()),
});
export type ThreadSummary = Static<typeof ThreadSummary>;
/** `GET /threads` answer. */
export const ThreadList = Type.Object({ threads: Type.Array(ThreadSummary), nextCursor: Type.Optional(Type.String()) });
export type ThreadList = Static<typeof ThreadList>;
