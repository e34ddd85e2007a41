// What an embedder sees of a running gateway. Its own module: options.ts names it (onReady) and plugin.ts makes it,
// so neither has to import the other.
import type { FastifyReply } from "fastify";
import type { HookTable } from "../hooks/table.ts";
import type { User } from "../protocol/views.ts";
import type { Announcement } from "../session/session.ts";

/** What an embedder can see of a running gateway (e.g. for a health route), and how `chatwire run --watch`
 * reloads an app in it. */
export interface GatewayHandle<S extends object = Record<string, unknown>> {
  /** Live sessions, connected or waiting for their client to resume them. */
  sessionCount(): number;
  /** Serves `table` from now on, whole (a table not yet frozen is frozen as a copy): new sessions and the next turn
   * of every live session use it; a running turn finishes on the handler it called. Sessions keep their sockets,
   * state and threads. `onAppStartup` and `onAppShutdown` stay those of the first table, and the routes that exist
   * because a hook does (`passwordAuth`'s login, `setChatProfiles`' list) stay as at start, calling the current hook. */
  replaceHooks(table: HookTable<S>): void;
  /** Sends `frame` to every live session (held for the ones waiting for a resume). */
  notifyAll(frame: Announcement): void;
  /**
   * Sends `content` as an app message to the thread's live session, on whichever node of the cluster holds it
   * ("delivered"), or stores it in the thread for its next reopening ("stored"). The caller decides who may push
   * to which thread. Rejects with THREAD_NOT_FOUND when there is neither a live session nor a stored thread.
   */
  pushToThread(threadId: string, content: string): Promise<"delivered" | "stored">;
  /**
   * Signs `user` in from the app's own route (an SSO callback of its own): sets chatwire's session cookie on
   * `reply`, as the login does, and resolves with the same token for `Authorization: Bearer`. The caller decides who
   * may sign in as whom. Needs session tokens (`auth.sessions: true`, or passwordAuth / oauthCallback registered):
   * rejects with INVALID_OPTION without them, INVALID_HOOK for a user without an identifier.
   */
  signIn(reply: FastifyReply, user: User): Promise<string>;
}
