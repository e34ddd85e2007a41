// Signed, expiring session tokens (JWT, HS256, via jose) with revocation at logout. Revocations are kept in memory
// and, with persistence on, in the data layer too: a logout then holds on every node and after a restart.
import { errors, jwtVerify, SignJWT } from "jose";
import { nanoid } from "nanoid";
import type { DataLayer } from "../data/layer.ts";
import { ChatwireError } from "../errors.ts";
import type { User } from "../protocol/views.ts";

/** A valid token: its user, and what a live connection opened with it needs to end when the token does. */
export interface TokenGrant {
  readonly user: User;
  /** The token's id (`jti`), by which a logout revokes it. */
  readonly tokenId?: string | undefined;
  /** When the token expires, in seconds since the epoch. */
  readonly expiresAt?: number | undefined;
}

/** Issues and verifies session tokens. */
export interface TokenIssuer {
  issue(user: User): Promise<string>;
  /** The token's user, or undefined when it is invalid, expired or revoked. */
  verify(token: string): Promise<User | undefined>;
  /** The token's grant (user, id, expiry), or undefined when it is invalid, expired or revoked. */
  grant(token: string): Promise<TokenGrant | undefined>;
  /** Whether the token id was revoked (here, or by another node sharing the data layer). */
  isRevoked(tokenId: string): Promise<boolean>;
  /** Revokes a token until it would have expired anyway; resolves with its id (undefined: not a valid token). */
  revoke(token: string): Promise<string | undefined>;
}

/** Where revoked token ids are shared between processes: every DataLayer implements it. */
export type RevocationStore = Pick<DataLayer, "revokeToken" | "isTokenRevoked">;

/** Options of `createTokenIssuer`. */
export interface TokenIssuerOptions {
  /** The signing secret, at least 32 bytes. */
  readonly secret: string | undefined;
  readonly ttlSeconds: number;
  /** Shared revocations (the gateway's data layer); without it a logout holds in this process only. */
  readonly revocations?: RevocationStore;
}

/** Secrets shorter than this are refused: HS256 wants at least 256 bits. */
const MIN_SECRET_BYTES = 32;

/**
 * Creates an issuer with `secret` (at least 32 bytes). Throws AUTH_SECRET_MISSING without one.
 * @example const tokens = createTokenIssuer({ secret: process.env.CHATWIRE_AUTH_SECRET, ttlSeconds: 86_400, revocations: layer });
 */
export function createTokenIssuer(options: TokenIssuerOptions): TokenIssuer {
  const { secret, ttlSeconds, revocations } = options;
  if (secret === undefined || Buffer.byteLength(secret) < MIN_SECRET_BYTES) {
    throw new ChatwireError(
      "AUTH_SECRET_MISSING",
      `authentication needs a secret of at least ${MIN_SECRET_BYTES} bytes: set CHATWIRE_AUTH_SECRET`,
    );
  }
  const key = new TextEncoder().encode(secret);
  const revoked = new Map<string, number>(); // jti -> expiry (s), revoked by this process
  // A store that cannot be read refuses the token (the promise rejects): a logout must not be undone by an outage.
  const isRevoked = async (jti: string): Promise<boolean> =>
    revoked.has(jti) || ((await revocations?.isTokenRevoked(jti, Date.now() / 1000)) ?? false);

  const read = async (token: string) => {
    try {
      const { payload } = await jwtVerify(token, key, { algorithms: ["HS256"] });
      return payload;
    } catch (error) {
      if (error instanceof errors.JOSEError) return undefined;
      throw error;
    }
  };

  const grant = async (token: string): Promise<TokenGrant | undefined> => {
    const payload = await read(token);
    if (payload?.sub === undefined || (payload.jti !== undefined && (await isRevoked(payload.jti)))) return undefined;
    const user: User = { identifier: payload.sub };
    if (typeof payload.name === "string") user.displayName = payload.name;
    if (typeof payload.metadata === "object" && payload.metadata !== null) {
      user.metadata = payload.metadata as Record<string, unknown>;
    }
    return { user, tokenId: payload.jti, expiresAt: payload.exp };
  };

  return {
    issue: (user) =>
      new SignJWT({ name: user.displayName, metadata: user.metadata })
        .setProtectedHeader({ alg: "HS256" })
        .setSubject(user.identifier)
        .setJti(nanoid())
        .setIssuedAt()
        .setExpirationTime(`${ttlSeconds}s`)
        .sign(key),
    async verify(token) {
      return (await grant(token))?.user;
    },
    grant,
    isRevoked,
    async revoke(token) {
      const payload = await read(token);
      if (payload?.jti === undefined) return undefined;
      const now = Date.now() / 1000;
      for (const [jti, expiry] of revoked) if (expiry < now) revoked.delete(jti);
      const expiry = payload.exp ?? now + ttlSeconds;
      revoked.set(payload.jti, expiry);
      await revocations?.revokeToken(payload.jti, expiry);
      return payload.jti;
    },
  };
}
