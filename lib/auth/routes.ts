// Login and logout for passwordAuth: a signed session token as an HttpOnly cookie and as a bearer token.
import "@fastify/cookie"; // types: reply.setCookie / request.cookies
import type { FastifyInstance } from "fastify";
import { type Static, Type } from "typebox";
import type { PasswordAuthHook } from "../hooks/table.ts";
import { User } from "../protocol/views.ts";
import { TOKEN_COOKIE, tokenOf } from "./authenticate.ts";
import type { TokenIssuer } from "./tokens.ts";

/** The login request body. */
export const LoginBody = Type.Object(
  { username: Type.String({ minLength: 1, maxLength: 256 }), password: Type.String({ minLength: 1, maxLength: 1024 }) },
  { additionalProperties: false },
);
export type LoginBody = Static<typeof LoginBody>;

/** The login response: the user and the token (for clients that send `Authorization: Bearer`). */
export const LoginReply = Type.Object({ user: User, token: Type.String() });

const ErrorReply = Type.Object({ code: Type.String(), message: Type.String() });

/** Registers POST /auth/login, POST /auth/logout and GET /auth/me under the plugin's prefix. */
export async function authRoutes(
  app: FastifyInstance,
  options: { check: PasswordAuthHook; tokens: TokenIssuer; ttlSeconds: number; secureCookie: boolean },
): Promise<void> {
  const { check, tokens, ttlSeconds, secureCookie } = options;
  const cookie = { path: "/", httpOnly: true, sameSite: "lax", secure: secureCookie } as const;

  app.post<{ Body: LoginBody }>(
    "/auth/login",
    { schema: { body: LoginBody, response: { 200: LoginReply, 401: ErrorReply } } },
    async (request, reply) => {
      const user = await check(request.body);
      if (user === undefined) {
        return reply.code(401).send({ code: "UNAUTHENTICATED", message: "wrong username or password" });
      }
      const token = await tokens.issue(user);
      reply.setCookie(TOKEN_COOKIE, token, { ...cookie, maxAge: ttlSeconds });
      return { user, token };
    },
  );

  app.post("/auth/logout", async (request, reply) => {
    const token = tokenOf(request);
    if (token !== undefined) await tokens.revoke(token);
    reply.clearCookie(TOKEN_COOKIE, cookie);
    return { ok: true };
  });

  app.get("/auth/me", async (request, reply) => {
    const token = tokenOf(request);
    const user = token === undefined ? undefined : await tokens.verify(token);
    if (user === undefined) return reply.code(401).send({ code: "UNAUTHENTICATED", message: "not logged in" });
    return { user };
  });
}
