// The HTTP routes over stored threads (lib/data/routes.ts serves them): their queries, bodies and answers.
// Declared here, beside the frames, so clients take them from chatwire/protocol without the server's code.
import { type Static, Type } from "typebox";
import { ElementView, JsonObject, MessageView, StepView } from "./views.ts";

export { THREAD_SECRET_HEADER } from "./constants.ts";

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

/** `PUT /threads/:id/share` answer: the link's id, and `url`, the path of its read-only route on this server
 * (`…/shared/<shareId>`, under the same prefix as the thread routes). */
export const ThreadShare = Type.Object({ shareId: Type.String(), url: Type.String() });
export type ThreadShare = Static<typeof ThreadShare>;
/** A message or a step of a shared thread: as in its history, without feedback. */
export const SharedEntry = Type.Union([
  Type.Object({ ...MessageView.properties, kind: Type.Literal("message") }),
  Type.Object({ ...StepView.properties, kind: Type.Literal("step") }),
]);
export type SharedEntry = Static<typeof SharedEntry>;
/** An element of a shared thread, with the message it belongs to (`forId`). */
export const SharedElement = Type.Object({ ...ElementView.properties, forId: Type.Optional(Type.String()) });
export type SharedElement = Static<typeof SharedElement>;
/** `GET /shared/:shareId` answer: a thread to read, not to continue. No owner, no feedback, no saved session or
 * settings, and none of the metadata keys or elements its metadata lists under `private`. */
export const SharedThread = Type.Object({
  createdAt: Type.String(),
  name: Type.Optional(Type.String()),
  tags: Type.Array(Type.String()),
  metadata: JsonObject,
  steps: Type.Array(SharedEntry),
  elements: Type.Array(SharedElement),
});
export type SharedThread = Static<typeof SharedThread>;
