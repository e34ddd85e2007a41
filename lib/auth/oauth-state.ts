// What an OpenID Connect sign-in must remember between the redirect to the provider and its callback: the PKCE
// verifier, state, nonce, redirect URI and the page to go back to. Kept in the browser as a short-lived, HttpOnly
// cookie, signed (JWT, HS256) with a key derived from the auth secret for this one purpose, so that it can never
// pass for a session token nor be forged or changed.
import { createHmac } from "node:crypto";
import { errors, jwtVerify, SignJWT } from "jose";

/** The cookie that carries a sign-in in progress. */
export const STATE_COOKIE = "chatwire_oauth";
/** How long a sign-in may take at the provider. */
export const STATE_TTL_SECONDS = 600;

/** A sign-in in progress. */
export interface OAuthState {
  readonly provider: string;
  readonly verifier: string;
  readonly state: string;
  readonly nonce: string;
  readonly redirectUri: string;
  /** The page of this site to go back to (a path). */
  readonly returnTo: string;
}

const AUDIENCE = "chatwire:oauth-state";

/** Seals and opens sign-in states with `secret` (the auth secret). */
export function oauthStateCodec(secret: string) {
  const key = createHmac("sha256", secret).update("chatwire oauth state").digest();
  return {
    seal: (value: OAuthState): Promise<string> =>
      new SignJWT({ ...value })
        .setProtectedHeader({ alg: "HS256" })
        .setAudience(AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(`${STATE_TTL_SECONDS}s`)
        .sign(key),
    /** The state, or undefined for a cookie that is missing, expired, forged or changed. */
    async open(cookie: string | undefined): Promise<OAuthState | undefined> {
      if (cookie === undefined) return undefined;
      try {
        const { payload } = await jwtVerify(cookie, key, { algorithms: ["HS256"], audience: AUDIENCE });
        const fields = ["provider", "verifier", "state", "nonce", "redirectUri", "returnTo"] as const;
        if (!fields.every((name) => typeof payload[name] === "string")) return undefined;
        return payload as unknown as OAuthState;
      } catch (error) {
        if (error instanceof errors.JOSEError) return undefined;
        throw error;
      }
    },
  };
}

/** `target` if it is a path of this site (not `//host`, not a URL), else "/": no open redirect after sign-in. */
export function returnPath(target: unknown): string {
  if (typeof target !== "string" || !target.startsWith("/") || target.startsWith("//")) return "/";
  if (/[\\\s]/.test(target) || target.length > 2048) return "/";
  return target;
}
