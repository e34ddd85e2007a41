// What an embedder sees of a running gateway. Its own module: options.ts names it (onReady) and plugin.ts makes it,
// so neither has to import the other.

/** What an embedder can see of a running gateway (e.g. for a health route). */
export interface GatewayHandle {
  /** Live sessions, connected or waiting for their client to resume them. */
  sessionCount(): number;
}
