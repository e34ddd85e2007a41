// OpenID Connect sign-in through openid-client (an optional peer, loaded only when providers are configured):
// GET /auth/oauth/:provider redirects to the provider with PKCE, state and nonce (kept in a signed, short-lived
// HttpOnly cookie); GET /auth/oauth/:provider/callback exchanges the code, has openid-client check the ID token,
// reads the userinfo, and lets `oauthCallback` decide the user, who then gets chatwire's session cookie as a login
// would. GET /auth/providers lists the providers for sign-in buttons.
import "@fastify/cookie"; // types: reply.setCookie / request.cookies
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { ChatwireError } from "../errors.ts";
import type { OAuthCallbackHook, OAuthTokens } from "../hooks/table.ts";
import type { User } from "../protocol/views.ts";
import type { OAuthProviderOptions } from "./oauth-provider.ts";
import { oauthStateCodec, returnPath, STATE_COOKIE, STATE_TTL_SECONDS } from "./oauth-state.ts";
import type { SignIn } from "./sign-in.ts";

type OpenIdClient = typeof import("openid-client");
type Configuration = import("openid-client").Configuration;

/** One provider, as the gateway's `auth.oauthProviders` lists it. */
export type OAuthProvider = OAuthProviderOptions;

/** Options of `oauthRoutes`. */
export interface OAuthRoutesOptions {
  readonly providers: readonly OAuthProvider[];
  readonly decide: OAuthCallbackHook;
  readonly signIn: SignIn;
  /** The auth secret: signs the sign-in state cookie (with a key of its own). */
  readonly secret: string;
  readonly secureCookie: boolean;
  readonly publicUrl?: string | undefined;
  /** Whether users may also log in with a password (passwordAuth): told to clients with the providers. */
  readonly passwordLogin: boolean;
}

const PROVIDER_ID = /^[A-Za-z0-9_-]{1,64}$/;
const DEFAULT_SCOPES = ["openid", "profile", "email"] as const;

/** Throws INVALID_OPTION for a provider list the routes cannot serve. */
export function checkProviders(providers: readonly OAuthProvider[]): void {
  const invalid = (message: string) => new ChatwireError("INVALID_OPTION", `auth.oauthProviders: ${message}`);
  const ids = new Set<string>();
  for (const provider of providers) {
    if (typeof provider.id !== "string" || !PROVIDER_ID.test(provider.id)) {
      throw invalid(`an id has 1 to 64 of A-Z a-z 0-9 _ - (got ${JSON.stringify(provider.id)})`);
    }
    if (ids.has(provider.id)) throw invalid(`two providers have the id ${provider.id}`);
    ids.add(provider.id);
    if (!URL.canParse(provider.issuer)) throw invalid(`${provider.id}'s issuer is not a URL`);
    if (typeof provider.clientId !== "string" || provider.clientId === "") {
      throw invalid(`${provider.id} needs a clientId`);
    }
  }
}

async function loadOpenIdClient(): Promise<OpenIdClient> {
  try {
    return await import("openid-client");
  } catch (error) {
    const message = "auth.oauthProviders needs the openid-client package: npm install openid-client";
    throw new ChatwireError("INVALID_OPTION", message, { cause: error });
  }
}

/** The user chatwire makes of a provider's profile (Chainlit's default_user): the email, else the subject. */
function defaultUser(provider: string, profile: Readonly<Record<string, unknown>>): User {
  const text = (key: string) => (typeof profile[key] === "string" && profile[key] !== "" ? profile[key] : undefined);
  const identifier = text("email") ?? text("preferred_username") ?? text("sub") ?? "";
  const name = text("name") ?? text("preferred_username");
  const image = text("picture");
  return {
    identifier,
    ...(name === undefined ? {} : { displayName: name }),
    metadata: { provider, ...(image === undefined ? {} : { image }) },
  };
}

const refuse = (reply: FastifyReply, message: string) => reply.code(401).send({ code: "UNAUTHENTICATED", message });

/** Registers the OpenID Connect routes under the plugin's prefix. */
export async function oauthRoutes(app: FastifyInstance, options: OAuthRoutesOptions): Promise<void> {
  const { providers, decide, signIn, secureCookie } = options;
  checkProviders(providers);
  const client = providers.length === 0 ? undefined : await loadOpenIdClient();
  const codec = oauthStateCodec(options.secret);
  const byId = new Map(providers.map((provider) => [provider.id, provider]));
  // Each provider's metadata is read at its first sign-in, then kept; a failed read is tried again next time.
  const configurations = new Map<string, Promise<Configuration>>();
  const cookie = { path: "/", httpOnly: true, sameSite: "lax", secure: secureCookie } as const;

  function configuration(oidc: OpenIdClient, provider: OAuthProvider): Promise<Configuration> {
    const known = configurations.get(provider.id);
    if (known !== undefined) return known;
    const issuer = new URL(provider.issuer);
    const auth = provider.clientSecret === undefined ? oidc.None() : oidc.ClientSecretBasic(provider.clientSecret);
    // An http: issuer is the operator's explicit choice (a provider on the same host or in a test).
    const execute = issuer.protocol === "http:" ? [oidc.allowInsecureRequests] : [];
    const found = oidc.discovery(issuer, provider.clientId, provider.clientSecret, auth, { execute });
    found.catch(() => configurations.delete(provider.id));
    configurations.set(provider.id, found);
    return found;
  }

  /** The provider a request names, or a 404 with UNKNOWN_PROVIDER. */
  function providerOf(request: FastifyRequest<{ Params: { provider: string } }>, reply: FastifyReply) {
    const provider = byId.get(request.params.provider);
    if (provider === undefined || client === undefined) {
      void reply
        .code(404)
        .send({ code: "UNKNOWN_PROVIDER", message: `no sign-in provider ${request.params.provider}` });
      return undefined;
    }
    return { provider, oidc: client };
  }

  /** The path of this request without its query: the base of the routes' own URLs (the plugin may be prefixed). */
  const pathOf = (request: FastifyRequest) => request.url.split("?")[0] ?? "/";
  const originOf = (request: FastifyRequest) => options.publicUrl ?? `${request.protocol}://${request.host}`;

  app.get("/auth/providers", async (request) => {
    const base = pathOf(request).slice(0, -"/auth/providers".length);
    return {
      passwordLogin: options.passwordLogin,
      providers: providers.map((p) => ({ id: p.id, name: p.displayName ?? p.id, url: `${base}/auth/oauth/${p.id}` })),
    };
  });

  app.get<{ Params: { provider: string }; Querystring: { redirect?: string } }>(
    "/auth/oauth/:provider",
    async (request, reply) => {
      const found = providerOf(request, reply);
      if (found === undefined) return reply;
      const { provider, oidc } = found;
      const config = await configuration(oidc, provider).catch((error: unknown) => {
        request.log.error({ err: error, provider: provider.id }, "OpenID Connect discovery failed");
        return undefined;
      });
      if (config === undefined) {
        return reply.code(502).send({ code: "PROVIDER_UNAVAILABLE", message: `${provider.id} could not be reached` });
      }
      const verifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const nonce = oidc.randomNonce();
      const redirectUri = new URL(`${pathOf(request)}/callback`, originOf(request)).href;
      const target = oidc.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        scope: (provider.scopes ?? DEFAULT_SCOPES).join(" "),
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: "S256",
        state,
        nonce,
      });
      const sealed = await codec.seal({
        provider: provider.id,
        verifier,
        state,
        nonce,
        redirectUri,
        returnTo: returnPath(request.query.redirect),
      });
      reply.setCookie(STATE_COOKIE, sealed, { ...cookie, maxAge: STATE_TTL_SECONDS });
      return reply.redirect(target.href, 302);
    },
  );

  app.get<{ Params: { provider: string } }>("/auth/oauth/:provider/callback", async (request, reply) => {
    const found = providerOf(request, reply);
    if (found === undefined) return reply;
    const { provider, oidc } = found;
    // One cookie, one attempt: whatever happens next, a replay of this callback has no sign-in state to use.
    const pending = await codec.open(request.cookies[STATE_COOKIE]);
    reply.clearCookie(STATE_COOKIE, cookie);
    if (pending === undefined || pending.provider !== provider.id) {
      return refuse(reply, "no sign-in in progress here (expired, or started elsewhere): start again");
    }
    let tokens: OAuthTokens;
    let profile: Readonly<Record<string, unknown>>;
    try {
      const config = await configuration(oidc, provider);
      // The URL the provider sent the browser to, on the redirect URI it was given (a proxy may have changed the
      // host the request shows): its query carries the code and state.
      const query = request.url.slice(pathOf(request).length);
      const answer = await oidc.authorizationCodeGrant(config, new URL(`${pending.redirectUri}${query}`), {
        pkceCodeVerifier: pending.verifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
      const claims = answer.claims();
      tokens = {
        accessToken: answer.access_token,
        tokenType: answer.token_type,
        ...(answer.id_token === undefined ? {} : { idToken: answer.id_token }),
        ...(answer.refresh_token === undefined ? {} : { refreshToken: answer.refresh_token }),
        ...(answer.expiresIn() === undefined ? {} : { expiresIn: answer.expiresIn() }),
        ...(answer.scope === undefined ? {} : { scope: answer.scope }),
        ...(claims === undefined ? {} : { claims: { ...claims } }),
      };
      const subject = claims?.sub ?? oidc.skipSubjectCheck;
      profile = config.serverMetadata().userinfo_endpoint
        ? { ...claims, ...(await oidc.fetchUserInfo(config, answer.access_token, subject)) }
        : { ...claims };
    } catch (error) {
      request.log.warn({ err: error, provider: provider.id }, "OpenID Connect sign-in refused");
      // openid-client's errors from the provider carry its OAuth error code (invalid_grant for a used code).
      const code = (error as { error?: unknown } | undefined)?.error;
      const reason = `${error instanceof Error ? error.message : String(error)}${typeof code === "string" ? ` (${code})` : ""}`;
      return refuse(reply, `the sign-in with ${provider.id} failed: ${reason}`);
    }
    const user = await decide(provider.id, tokens, profile, defaultUser(provider.id, profile));
    if (user === undefined || user === null) return refuse(reply, `oauthCallback refused this ${provider.id} user`);
    await signIn(reply, user);
    return reply.redirect(pending.returnTo, 302);
  });
}
