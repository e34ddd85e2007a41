// What an embedder sees of a running gateway. Its own module: options.ts names it (onReady) and plugin.ts makes it,
// so neither has to import the other.

/** What an embedder can see of a running gateway (e.g. for a health route). */
export interface GatewayHandle {
  /** Live sessions, connected or waiting for their client to resume them. */
  sessionCount(): number;
  /**
   * Sends `content` as an app message to the thread's live session, on whichever node of the cluster holds it
   * ("delivered"), or stores it in the thread for its next reopening ("stored"). The caller decides who may push
   * to which thread. Rejects with THREAD_NOT_FOUND when there is neither a live session nor a stored thread.
   */
  pushToThread(threadId: string, content: string): Promise<"delivered" | "stored">;
}
