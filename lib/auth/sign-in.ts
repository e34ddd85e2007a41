// Signing a user in: a session token, set as chatwire's HttpOnly cookie and returned for bearer clients. The login
// route, the OpenID Connect callback and an embedding app's own route (GatewayHandle.signIn) all go through here,
// so the three issue the same token.
import { fastifyCookie } from "@fastify/cookie";
import type { FastifyReply } from "fastify";
import { ChatwireError } from "../errors.ts";
import { declaredValidator } from "../protocol/validators.ts";
import type { User } from "../protocol/views.ts";
import { TOKEN_COOKIE } from "./authenticate.ts";
import type { TokenIssuer } from "./tokens.ts";

/** Sets the session cookie for `user` on `reply` and resolves with the token. */
export type SignIn = (reply: FastifyReply, user: User) => Promise<string>;

/** How the session cookie is set: chatwire's own routes and the app's routes alike. */
export interface SessionCookie {
  readonly tokens: TokenIssuer;
  readonly ttlSeconds: number;
  readonly secureCookie: boolean;
}

const checkUser = declaredValidator("user");

/** The attributes of the session cookie (and of clearing it). */
export const cookieAttributes = (secure: boolean) => ({ path: "/", httpOnly: true, sameSite: "lax", secure }) as const;

/**
 * The sign-in of a gateway: throws INVALID_HOOK for a value that is not a user (`identifier` 1+ characters).
 * @example const signIn = createSignIn({ tokens, ttlSeconds: 86_400, secureCookie: true }); await signIn(reply, user);
 */
export function createSignIn(options: SessionCookie): SignIn {
  const { tokens, ttlSeconds, secureCookie } = options;
  return async (reply, user) => {
    if (!checkUser.Check(user)) {
      throw new ChatwireError("INVALID_HOOK", "a user to sign in needs an identifier (1 or more characters)");
    }
    const token = await tokens.issue(user);
    // Set as a header, not with reply.setCookie: the app's own routes live outside the gateway's plugin, where
    // @fastify/cookie may not be registered. Fastify appends every set-cookie header.
    const cookie = fastifyCookie.serialize(TOKEN_COOKIE, token, {
      ...cookieAttributes(secureCookie),
      maxAge: ttlSeconds,
    });
    reply.header("set-cookie", cookie);
    return token;
  };
}
