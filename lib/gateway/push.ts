// pushToThread: a message for a thread from outside any hook (an HTTP route, a queue consumer, a timer), delivered
// to its live session wherever it is, or stored for the thread's next reopening.
import type { ClusterNode } from "../cluster/cluster.ts";
import { ChatwireError } from "../errors.ts";
import { ThreadIds } from "../session/thread-ids.ts";
import type { Persistence } from "./persistence.ts";
import type { SessionRegistry } from "./registry.ts";

/** Who a stored push says it is from: the default author of the app's messages. */
const AUTHOR = "Assistant";

/** Pushes `content` to `threadId`: this node's live session, another node's, or the stored thread. */
export async function pushToThread(
  where: { registry: SessionRegistry; cluster: ClusterNode | undefined; persistence: Persistence | undefined },
  threadId: string,
  content: string,
): Promise<"delivered" | "stored"> {
  const here = where.registry.ofThread(threadId);
  if (here !== undefined) {
    here.push(content);
    return "delivered";
  }
  if (where.cluster !== undefined && (await where.cluster.push(threadId, content))) return "delivered";
  const layer = where.persistence?.layer;
  if (layer === undefined || (await layer.getThread(threadId)) === undefined) {
    throw new ChatwireError("THREAD_NOT_FOUND", `no live session and no stored thread ${threadId}`);
  }
  const id = new ThreadIds(threadId).next();
  const message = { id, role: "assistant" as const, author: AUTHOR, content, createdAt: new Date().toISOString() };
  await layer.apply([{ kind: "message", threadId, message: { ...message, actions: [] } }]);
  return "stored";
}
