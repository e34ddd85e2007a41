// A client's `threads`: the signed-in user's stored threads through the HTTP routes (routes.ts), and reopening one.
// Routes about the client's own anonymous thread carry its secret.
import type {
  ListThreadsQuery,
  ServerFrameOf,
  SharedThread,
  THREAD_SECRET_HEADER,
  ThreadList,
  ThreadRequest,
  ThreadShare,
  ThreadSummary,
} from "../protocol/index.ts";
import {
  deleteThread,
  listThreads,
  type RouteTarget,
  readSharedThread,
  renameThread,
  shareThread,
  unshareThread,
} from "./routes.ts";

/** The thread secret's header (lib/protocol/threads.ts), spelled out: that module carries the schema library. */
const secretHeader: typeof THREAD_SECRET_HEADER = "x-chatwire-thread-secret";

/** What the thread commands need of their client: its routes, its session now, and a way to open a thread. */
export interface ThreadsHost {
  readonly routes: RouteTarget;
  session(): ServerFrameOf<"welcome"> | undefined;
  open(thread: ThreadRequest): void;
}

/** The `threads` of a client. */
export function clientThreads(host: ThreadsHost) {
  const { routes } = host;
  /** The header with the current thread's secret, for routes about an anonymous thread of this client. */
  const secretOf = (id: string): Record<string, string> | undefined => {
    const session = host.session();
    return session?.threadId === id && session.threadSecret !== undefined
      ? { [secretHeader]: session.threadSecret }
      : undefined;
  };
  return {
    /** One page of threads, newest first; pass the answer's `nextCursor` for the next. */
    list: (query?: ListThreadsQuery): Promise<ThreadList> => listThreads(routes, query),
    /** Reopens a stored thread in a new session (its history, then onChatResume). */
    open: (id: string, secret?: string): void => host.open(secret === undefined ? { id } : { id, secret }),
    rename: (id: string, name: string): Promise<ThreadSummary> => renameThread(routes, id, name, secretOf(id)),
    delete: (id: string): Promise<void> => deleteThread(routes, id, secretOf(id)),
    /** Shares a thread the user owns (idempotent): `url` is the path of its read-only route on the server. */
    share: (id: string): Promise<ThreadShare> => shareThread(routes, id),
    /** Stops sharing a thread: its link stops working at once. */
    unshare: (id: string): Promise<void> => unshareThread(routes, id),
    /** A thread someone shared, read-only (THREAD_NOT_FOUND if the app does not let this user read it). */
    readShared: (shareId: string): Promise<SharedThread> => readSharedThread(routes, shareId),
  };
}

/** The signed-in user's stored threads, as `client.threads` has them. */
export type ClientThreads = ReturnType<typeof clientThreads>;
