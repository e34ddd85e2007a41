// OpenID Connect providers from the environment, for `chatwire run` and `serve()` (no code to write):
// CHATWIRE_OAUTH_PROVIDERS lists the ids; each id's settings are CHATWIRE_OAUTH_<ID>_ISSUER, _CLIENT_ID,
// _CLIENT_SECRET, _SCOPES (space-separated) and _NAME, with <ID> upper-cased and `-` as `_`.
import { ChatwireError } from "../errors.ts";
import type { OAuthProvider } from "./oauth-routes.ts";

/**
 * The providers the environment declares, or undefined when CHATWIRE_OAUTH_PROVIDERS is unset or empty. Throws
 * INVALID_OPTION naming a missing variable.
 * @example oauthProvidersFromEnv({ CHATWIRE_OAUTH_PROVIDERS: "google", CHATWIRE_OAUTH_GOOGLE_ISSUER: "https://accounts.google.com", CHATWIRE_OAUTH_GOOGLE_CLIENT_ID: "…" })
 */
export function oauthProvidersFromEnv(env: NodeJS.ProcessEnv = process.env): OAuthProvider[] | undefined {
  const ids = (env.CHATWIRE_OAUTH_PROVIDERS ?? "")
    .split(",")
    .map((id) => id.trim())
    .filter((id) => id !== "");
  if (ids.length === 0) return undefined;
  return ids.map((id) => {
    const prefix = `CHATWIRE_OAUTH_${id.toUpperCase().replaceAll("-", "_")}_`;
    const read = (name: string) => {
      const value = env[`${prefix}${name}`];
      return value === undefined || value === "" ? undefined : value;
    };
    const needed = (name: string) => {
      const value = read(name);
      if (value === undefined) {
        throw new ChatwireError("INVALID_OPTION", `CHATWIRE_OAUTH_PROVIDERS lists ${id}: set ${prefix}${name}`);
      }
      return value;
    };
    const scopes = read("SCOPES")?.split(/\s+/).filter(Boolean);
    const clientSecret = read("CLIENT_SECRET");
    const displayName = read("NAME");
    return {
      id,
      issuer: needed("ISSUER"),
      clientId: needed("CLIENT_ID"),
      ...(clientSecret === undefined ? {} : { clientSecret }),
      ...(scopes === undefined ? {} : { scopes }),
      ...(displayName === undefined ? {} : { displayName }),
    };
  });
}
