// Login (passwordAuth) and logout for session tokens: a signed token as an HttpOnly cookie and as a bearer token.
import "@fastify/cookie"; // types: reply.setCookie / request.cookies
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Static } from "typebox";
import { isDataUnavailable } from "../data/unavailable.ts";
import type { LogoutHook, PasswordAuthHook } from "../hooks/table.ts";
import { shippedSchemas } from "../protocol/schemas.generated.ts";
import { compiledAtFirstUse } from "../protocol/validators.ts";
import { TOKEN_COOKIE, tokenOf } from "./authenticate.ts";
import { cookieAttributes, type SignIn } from "./sign-in.ts";
import type { LoginThrottle } from "./throttle.ts";
import type { TokenIssuer } from "./tokens.ts";

// Declared in lib/protocol/route-schemas.ts, built at build time: no typebox at start.
const { ErrorReply, LoginBody, LoginReply } = shippedSchemas.routes;
/** The login request body. */
export type LoginBody = Static<typeof LoginBody>;

/** Options of `authRoutes`. */
export interface AuthRoutesOptions {
  /** The password check: without it (sessions from OpenID Connect or the app's own route) there is no login route. */
  readonly check?: PasswordAuthHook | undefined;
  readonly tokens: TokenIssuer;
  readonly signIn: SignIn;
  readonly secureCookie: boolean;
  /** Throttles logins; without it every attempt checks its password. */
  readonly throttle?: LoginThrottle;
  /** Told the id of each token a logout revoked: the gateway closes this node's sockets opened with it. */
  readonly onRevoked?: (tokenId: string) => void;
  /** Told who logged out (a valid token's user), after the token is revoked. */
  readonly onLogout?: LogoutHook | undefined;
  /** Also serve Chainlit's form login at POST /login and its POST /logout (the Chainlit endpoint is on). */
  readonly chainlit?: boolean;
}

const loginBody = compiledAtFirstUse(LoginBody);

/** Registers POST /auth/login (with a password check), POST /auth/logout and GET /auth/me under the plugin's prefix
 * (and Chainlit's POST /login and POST /logout when asked). */
export async function authRoutes(app: FastifyInstance, options: AuthRoutesOptions): Promise<void> {
  const { check, tokens, signIn, secureCookie, throttle, onRevoked, onLogout } = options;
  const cookie = cookieAttributes(secureCookie);

  /** Logs `body`'s user in: the throttle, the password hook, then the token as a cookie and in the answer. */
  async function logIn(check: PasswordAuthHook, body: LoginBody, request: FastifyRequest, reply: FastifyReply) {
    // Every attempt takes the same path whether the username exists or not: charged to the username and the
    // address alike, then the password hook; only the hook knows users.
    const verdict = await throttle?.attempt(body.username, request.ip).catch((error: unknown) => {
      if (!isDataUnavailable(error)) throw error;
      request.log.error({ err: error }, "login throttle unavailable");
      return undefined;
    });
    if (throttle !== undefined && verdict === undefined) {
      // Counters that cannot be read refuse the attempt: an outage must not open the door to guessing.
      return reply
        .code(503)
        .header("retry-after", "1")
        .send({ code: "PERSISTENCE_FAILED", message: "logins are unavailable: try again shortly" });
    }
    if (verdict?.allowed === false) {
      const seconds = verdict.retryAfterSeconds;
      return reply
        .code(429)
        .header("retry-after", String(seconds))
        .send({ code: "LOGIN_THROTTLED", message: `too many login attempts: try again in ${seconds} s` });
    }
    const user = await check(body);
    if (user === undefined) {
      return reply.code(401).send({ code: "UNAUTHENTICATED", message: "wrong username or password" });
    }
    await verdict?.succeeded().catch((error: unknown) => {
      request.log.error({ err: error }, "login throttle not reset after a correct login");
    });
    const token = await signIn(reply, user);
    return { user, token };
  }

  if (check !== undefined) {
    app.post<{ Body: LoginBody }>(
      "/auth/login",
      {
        schema: { body: LoginBody, response: { 200: LoginReply, 401: ErrorReply, 429: ErrorReply, 503: ErrorReply } },
      },
      (request, reply) => logIn(check, request.body, request, reply),
    );
  }

  async function logOut(request: FastifyRequest, reply: FastifyReply) {
    const token = tokenOf(request);
    const user = token === undefined || onLogout === undefined ? undefined : await tokens.verify(token);
    const tokenId = token === undefined ? undefined : await tokens.revoke(token);
    if (tokenId !== undefined) onRevoked?.(tokenId);
    reply.clearCookie(TOKEN_COOKIE, cookie);
    if (user !== undefined) {
      try {
        await onLogout?.(user);
      } catch (error) {
        // The user is logged out either way: the app's clean-up failing must not undo or hide that.
        request.log.error({ err: error, hook: "onLogout" }, "onLogout failed");
      }
    }
    return { ok: true };
  }
  app.post("/auth/logout", logOut);

  if (options.chainlit === true && check !== undefined) {
    // Chainlit's client logs in with an OAuth2 password form (multipart or urlencoded) at /login, out at /logout.
    await app.register(async (forms) => {
      forms.addContentTypeParser(
        ["multipart/form-data", "application/x-www-form-urlencoded"],
        { parseAs: "string", bodyLimit: 16 * 1024 },
        async (request: FastifyRequest, body: string) =>
          new Response(body, { headers: { "content-type": request.headers["content-type"] ?? "" } }).formData(),
      );
      forms.post("/login", async (request, reply) => {
        const form = request.body instanceof FormData ? request.body : undefined;
        const body = { username: form?.get("username"), password: form?.get("password") };
        if (!loginBody.Check(body)) {
          return reply.code(400).send({ code: "BAD_FRAME", message: "send the username and password as a form" });
        }
        const answer = await logIn(check, body, request, reply);
        return "user" in answer ? { success: true, user: answer.user } : answer;
      });
    });
  }
  if (options.chainlit === true) app.post("/logout", logOut);

  app.get("/auth/me", async (request, reply) => {
    const token = tokenOf(request);
    const user = token === undefined ? undefined : await tokens.verify(token);
    if (user === undefined) return reply.code(401).send({ code: "UNAUTHENTICATED", message: "not logged in" });
    return { user };
  });
}
