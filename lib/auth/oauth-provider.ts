// An OpenID Connect provider as the gateway's `auth.oauthProviders` lists it: its own module, so that the gateway's
// options and the OAuth routes (lib/auth/oauth-routes.ts) name one type.

/** One OpenID Connect provider users may sign in with (`GET /auth/oauth/:id`; docs/auth.md). */
export interface OAuthProviderOptions {
  /** The provider's id in chatwire's routes (`/auth/oauth/<id>`): 1 to 64 of `a-z A-Z 0-9 _ -`. */
  readonly id: string;
  /** The issuer URL: its `/.well-known/openid-configuration` is read at the first sign-in. */
  readonly issuer: string;
  readonly clientId: string;
  /** The client secret (`client_secret_basic`); absent: a public client (PKCE only). */
  readonly clientSecret?: string | undefined;
  /** The scopes asked for. Default `["openid", "profile", "email"]`. */
  readonly scopes?: readonly string[] | undefined;
  /** The name a sign-in button shows. Default: the id. */
  readonly displayName?: string | undefined;
}
