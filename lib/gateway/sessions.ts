// Session tokens, when the gateway has a way to sign users in: passwordAuth's login, OpenID Connect providers with
// oauthCallback, or the app's own route (`auth.sessions`, GatewayHandle.signIn). Loaded only then (jose, cookies).
import type { FastifyInstance } from "fastify";
import type { SignIn } from "../auth/sign-in.ts";
import type { TokenIssuer } from "../auth/tokens.ts";
import type { DataLayer } from "../data/layer.ts";
import { memoryLoginCounters } from "../data/login-counters.ts";
import { ChatwireError } from "../errors.ts";
import type { LiveTable } from "../hooks/live-table.ts";
import type { LogoutHook, OAuthCallbackHook, PasswordAuthHook } from "../hooks/table.ts";
import { protocolPath, type ResolvedOptions } from "./options.ts";

/** A gateway's session tokens: who verifies them, and how a user is signed in. */
export interface Sessions {
  readonly tokens: TokenIssuer;
  readonly signIn: SignIn;
}

/** Whether the gateway issues and accepts session tokens. */
export const usesSessions = <S extends object>(options: ResolvedOptions<S>): boolean =>
  options.hooks.passwordAuth !== undefined ||
  options.hooks.oauthCallback !== undefined ||
  options.auth?.sessions === true ||
  (options.auth?.oauthProviders?.length ?? 0) > 0;

/** The token issuer (refusing to start without a secret), the login/logout routes and the OpenID Connect routes;
 * undefined when nothing signs users in. */
export async function sessionAuth<S extends object>(
  app: FastifyInstance,
  options: ResolvedOptions<S>,
  hooks: LiveTable<S>,
  layer: DataLayer | undefined,
  onRevoked: (tokenId: string) => void,
): Promise<Sessions | undefined> {
  if (!usesSessions(options)) return undefined;
  // The routes exist from the start; the hooks they call are the current table's (a reload may change them).
  const check: PasswordAuthHook | undefined =
    options.hooks.passwordAuth === undefined ? undefined : (credentials) => hooks.table.passwordAuth?.(credentials);
  const onLogout: LogoutHook = (user) => hooks.table.onLogout?.(user);
  const [{ createTokenIssuer }, { authRoutes }, { createLoginThrottle }, { createSignIn }, { default: cookie }] =
    await Promise.all([
      import("../auth/tokens.ts"),
      import("../auth/routes.ts"),
      import("../auth/throttle.ts"),
      import("../auth/sign-in.ts"),
      import("@fastify/cookie"),
    ]);
  const ttlSeconds = options.auth?.ttlSeconds ?? 24 * 3600;
  const secret = options.auth?.secret ?? process.env.CHATWIRE_AUTH_SECRET;
  // With persistence, a logout is stored: it holds on every node sharing the database, and after a restart.
  const tokens = createTokenIssuer({ secret, ttlSeconds, ...(layer === undefined ? {} : { revocations: layer }) });
  if (!app.hasRequestDecorator("cookies")) await app.register(cookie);
  const secureCookie = options.auth?.secureCookie ?? process.env.NODE_ENV === "production";
  const signIn = createSignIn({ tokens, ttlSeconds, secureCookie });
  // Counters in the data layer are shared by every node on it; without one, they hold in this process.
  const throttle =
    check === undefined || options.loginThrottle === false
      ? undefined
      : createLoginThrottle(layer ?? memoryLoginCounters(), options.loginThrottle ?? {});
  await app.register(authRoutes, {
    check,
    tokens,
    signIn,
    secureCookie,
    onRevoked,
    onLogout,
    chainlit: protocolPath(options.protocols?.chainlit, "/ws/socket.io") !== undefined,
    ...(throttle ? { throttle } : {}),
  });
  const providers = options.auth?.oauthProviders ?? [];
  if (providers.length > 0 && options.hooks.oauthCallback === undefined) {
    throw new ChatwireError("INVALID_OPTION", "auth.oauthProviders needs an oauthCallback to decide who signs in");
  }
  // Always there with sessions, so that clients can ask which providers to show (perhaps none).
  const { oauthRoutes } = await import("../auth/oauth-routes.ts");
  const decide: OAuthCallbackHook = (...args) => hooks.table.oauthCallback?.(...args);
  await app.register(oauthRoutes, {
    providers,
    decide,
    signIn,
    secret: secret ?? "",
    secureCookie,
    publicUrl: options.auth?.publicUrl,
    passwordLogin: check !== undefined,
  });
  return { tokens, signIn };
}
