// The signed-in user's stored threads, through chatwire/client's thread routes: list by page and search, rename,
// delete. A failure (no persistence, not signed in, a network error) answers undefined or false: the list hides.
import type { ChatClient } from "../../lib/client/index.ts";
import type { ThreadList, ThreadSummary } from "../../lib/protocol/index.ts";

export type { ThreadSummary };

/** The routes of the page's client now (undefined while signed out). */
export type ThreadRoutes = () => ChatClient["threads"] | undefined;

/** One page of threads, newest first; undefined when there is no list to show (no persistence, not signed in). */
export async function listThreads(
  routes: ThreadRoutes,
  query: { search?: string | undefined; cursor?: string | undefined },
): Promise<ThreadList | undefined> {
  const search = query.search ? { search: query.search } : {};
  const cursor = query.cursor ? { cursor: query.cursor } : {};
  return routes()
    ?.list({ limit: 30, ...search, ...cursor })
    .catch(() => undefined);
}

/** Renames a thread; the renamed summary, or undefined if it failed. */
export async function renameThread(routes: ThreadRoutes, id: string, name: string): Promise<ThreadSummary | undefined> {
  return routes()
    ?.rename(id, name)
    .catch(() => undefined);
}

/** Deletes a thread with its history; false if it failed. */
export async function deleteThread(routes: ThreadRoutes, id: string): Promise<boolean> {
  return (
    (await routes()
      ?.delete(id)
      .then(() => true)
      .catch(() => false)) ?? false
  );
}
