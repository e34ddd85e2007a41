// Who is on the other end of a request: a user from headerAuth or from a session token, anonymous, or refused.
import "@fastify/cookie"; // types: request.cookies
import type { FastifyRequest } from "fastify";
import type { HookTable } from "../hooks/table.ts";
import type { User } from "../protocol/views.ts";
import type { TokenGrant, TokenIssuer } from "./tokens.ts";

/** The cookie that carries the session token for browsers. */
export const TOKEN_COOKIE = "chatwire_token";

/** The outcome of authenticating a request. */
export type AuthResult =
  | { readonly ok: true; readonly user?: User; readonly grant?: TokenGrant }
  | { readonly ok: false; readonly reason: string };

/** The session token of a request: `Authorization: Bearer …`, else the cookie. */
export function tokenOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header?.startsWith("Bearer ")) return header.slice("Bearer ".length).trim();
  return request.cookies?.[TOKEN_COOKIE];
}

/**
 * Authenticates a request. With no auth hook registered every request is anonymous (and allowed).
 * @example const result = await authenticate(request, hooks, tokens); if (!result.ok) reply.code(401);
 */
export async function authenticate<S extends object>(
  request: FastifyRequest,
  hooks: HookTable<S>,
  tokens: TokenIssuer | undefined,
): Promise<AuthResult> {
  if (hooks.headerAuth !== undefined) {
    const user = await hooks.headerAuth(request.headers);
    return user === undefined ? { ok: false, reason: "headerAuth refused the request" } : { ok: true, user };
  }
  if (tokens === undefined) return { ok: true };
  const token = tokenOf(request);
  if (token === undefined) return { ok: false, reason: "no session token: log in first" };
  const grant = await tokens.grant(token);
  return grant === undefined
    ? { ok: false, reason: "the session token is invalid, expired or revoked" }
    : { ok: true, user: grant.user, grant };
}
