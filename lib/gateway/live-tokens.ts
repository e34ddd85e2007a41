// The sockets of this node by the session token that opened them: a logout closes them at once, and a poll of the
// shared revocations closes those whose token another node revoked.
import type { FastifyBaseLogger } from "fastify";

/** What a connection opened with a token offers: being closed because its token no longer holds. */
export interface TokenBound {
  revoke(): void;
}

/** Live connections by token id. */
export class LiveTokens {
  readonly #byToken = new Map<string, Set<TokenBound>>();
  #poll: NodeJS.Timeout | undefined;
  #checking = false;

  add(tokenId: string, connection: TokenBound): void {
    const set = this.#byToken.get(tokenId) ?? new Set();
    this.#byToken.set(tokenId, set.add(connection));
  }

  delete(tokenId: string, connection: TokenBound): void {
    const set = this.#byToken.get(tokenId);
    set?.delete(connection);
    if (set?.size === 0) this.#byToken.delete(tokenId);
  }

  /** The token was revoked: every connection opened with it is closed (4401). */
  revoke(tokenId: string): void {
    const set = this.#byToken.get(tokenId);
    this.#byToken.delete(tokenId);
    for (const connection of set ?? []) connection.revoke();
  }

  /**
   * Every `everyMs`, asks `isRevoked` about each live token (one lookup per distinct token, not per socket), so a
   * logout on another node sharing the data layer closes this node's sockets within that bound.
   */
  poll(everyMs: number, isRevoked: (tokenId: string) => Promise<boolean>, log: FastifyBaseLogger): void {
    this.#poll = setInterval(() => {
      if (this.#checking || this.#byToken.size === 0) return;
      this.#checking = true;
      void this.#check(isRevoked, log).finally(() => {
        this.#checking = false;
      });
    }, everyMs);
    this.#poll.unref();
  }

  async #check(isRevoked: (tokenId: string) => Promise<boolean>, log: FastifyBaseLogger): Promise<void> {
    for (const tokenId of [...this.#byToken.keys()]) {
      try {
        if (await isRevoked(tokenId)) this.revoke(tokenId);
      } catch (error) {
        // An outage is not a logout: the next poll asks again.
        log.error({ err: error }, "token revocations could not be read");
        return;
      }
    }
  }

  stop(): void {
    clearInterval(this.#poll);
  }
}
