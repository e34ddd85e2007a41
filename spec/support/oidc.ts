// A real OpenID Connect provider for tests: panva's oidc-provider on 127.0.0.1 with its dev login and consent pages
// (any login name, any password). It listens first, so that its issuer URL can go into chatwire's options; the
// client (with chatwire's redirect URI, known once chatwire listens) is set up by `serve`.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import Provider from "oidc-provider";

/** The client chatwire is registered as at the provider. */
export const OIDC_CLIENT = { id: "chatwire-test", secret: "a client secret for the local provider" };

/** A listening provider: `serve(redirectUri)` makes it answer, `close()` stops it. */
export interface TestProvider {
  readonly issuer: string;
  serve(redirectUri: string): void;
  close(): Promise<void>;
}

/** Starts the provider's HTTP server; each account `<id>` has the email `<id>@example.test` and the name `User <id>`. */
export async function startOidcProvider(): Promise<TestProvider> {
  let handle: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => {
    res.statusCode = 503;
    res.end();
  };
  const http = createServer((req, res) => handle(req, res));
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(http.address() as { port: number }).port}`;
  return {
    issuer,
    serve(redirectUri) {
      const provider = new Provider(issuer, {
        clients: [
          {
            client_id: OIDC_CLIENT.id,
            client_secret: OIDC_CLIENT.secret,
            redirect_uris: [redirectUri],
            grant_types: ["authorization_code"],
            response_types: ["code"],
            token_endpoint_auth_method: "client_secret_basic",
          },
        ],
        findAccount: (_ctx, id) => ({
          accountId: id,
          claims: () => ({ sub: id, email: `${id}@example.test`, email_verified: true, name: `User ${id}` }),
        }),
        claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
        features: { devInteractions: { enabled: true } },
        cookies: { keys: ["a cookie key for the local provider"] },
      });
      handle = provider.callback();
    },
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}
