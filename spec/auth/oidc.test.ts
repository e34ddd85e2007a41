// OpenID Connect sign-in against a real provider (panva's oidc-provider, on 127.0.0.1, with its dev login and
// consent pages) through the built package: a browser-like client with a cookie jar follows the redirects, signs in
// at the provider, comes back with a code that chatwire exchanges (PKCE, state and nonce checked by openid-client),
// oauthCallback decides the user, and chatwire's session cookie opens the WebSocket as that user. Refused, each with
// its typed error: a replayed callback (the code is single-use), a changed state, no sign-in cookie, a user
// oauthCallback turns away, an unknown provider. The providers are listed for clients, Chainlit's included.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { chatwire, createApp, createServer, isChatwireError, type OAuthTokens, type User } from "chatwire";
import { connectClient, wsUrl } from "chatwire/testing";
import Fastify, { type FastifyInstance } from "fastify";
import { OIDC_CLIENT, startOidcProvider, type TestProvider } from "../support/oidc.ts";

const SECRET = "an auth secret of at least thirty-two bytes";

/** Cookies per origin, as a browser keeps them (paths ignored: every cookie goes to its origin). */
class CookieJar {
  readonly #byOrigin = new Map<string, Map<string, string>>();
  header(url: URL): string {
    const jar = this.#byOrigin.get(url.origin) ?? new Map<string, string>();
    return [...jar].map(([name, value]) => `${name}=${value}`).join("; ");
  }
  store(url: URL, response: Response): void {
    const jar = this.#byOrigin.get(url.origin) ?? new Map<string, string>();
    this.#byOrigin.set(url.origin, jar);
    for (const line of response.headers.getSetCookie()) {
      const [pair = ""] = line.split(";");
      const at = pair.indexOf("=");
      const name = pair.slice(0, at);
      const value = pair.slice(at + 1);
      if (value === "" || /max-age=0|expires=thu, 01 jan 1970/i.test(line)) jar.delete(name);
      else jar.set(name, value);
    }
  }
  get(url: URL, name: string): string | undefined {
    return this.#byOrigin.get(url.origin)?.get(name);
  }
}

/** One request as a browser makes it: the jar's cookies go along, the answer's cookies go in the jar. */
async function browse(jar: CookieJar, url: URL, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const cookie = jar.header(url);
  if (cookie !== "") headers.set("cookie", cookie);
  const response = await fetch(url, { ...init, headers, redirect: "manual" });
  jar.store(url, response);
  return response;
}

/** Follows redirects and the provider's login and consent pages, as `login`, until the browser is sent to
 * chatwire's callback: returns that URL (not yet visited). */
async function signInAtProvider(jar: CookieJar, start: URL, login: string, callbackPrefix: string): Promise<URL> {
  let url = start;
  let response = await browse(jar, url);
  for (let hop = 0; hop < 20; hop++) {
    if (response.status >= 300 && response.status < 400) {
      const next = new URL(response.headers.get("location") ?? "", url);
      if (next.href.startsWith(callbackPrefix)) return next;
      url = next;
      response = await browse(jar, url);
      continue;
    }
    const html = await response.text();
    assert.equal(response.status, 200, `the provider's page at ${url.pathname}: ${html.slice(0, 300)}`);
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    const prompt = /name="prompt" value="([a-z]+)"/.exec(html)?.[1];
    assert.ok(action !== undefined && prompt !== undefined, "a login or consent form");
    const form = new URLSearchParams(prompt === "login" ? { prompt, login, password: "any" } : { prompt });
    url = new URL(action, url);
    response = await browse(jar, url, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: form.toString(),
    });
  }
  throw new Error("the provider never sent the browser back");
}

let provider: TestProvider;
let chat: { server: FastifyInstance; base: string; seen: { provider: string; tokens: OAuthTokens; user: User }[] };

before(async () => {
  provider = await startOidcProvider();
  const app = createApp();
  const seen: { provider: string; tokens: OAuthTokens; user: User }[] = [];
  app.oauthCallback((providerId, tokens, profile, defaultUser) => {
    if (profile.email === "mallory@example.test") return undefined; // the app turns this one away
    const user = { ...defaultUser, metadata: { ...defaultUser.metadata, team: "blue" } };
    seen.push({ provider: providerId, tokens, user });
    return user;
  });
  app.onChatStart(async (ctx) => {
    await ctx.send(`hello ${ctx.user?.identifier ?? "nobody"}`);
  });
  const server = Fastify({ logger: false });
  await server.register(chatwire, {
    hooks: app.seal(),
    auth: {
      secret: SECRET,
      oauthProviders: [
        {
          id: "local",
          issuer: provider.issuer,
          clientId: OIDC_CLIENT.id,
          clientSecret: OIDC_CLIENT.secret,
          displayName: "Local OIDC",
        },
      ],
    },
    protocols: { chainlit: true },
  });
  await server.listen({ host: "127.0.0.1", port: 0 });
  const base = `http://127.0.0.1:${(server.server.address() as { port: number }).port}`;
  chat = { server, base, seen };
  provider.serve(`${base}/auth/oauth/local/callback`);
});

after(async () => {
  await chat?.server.close();
  await provider?.close();
});

const callbackPrefix = () => `${chat.base}/auth/oauth/local/callback`;

test("a full sign-in: redirect with PKCE, state and nonce, the provider's login, the callback, then the socket", async () => {
  const listed = await fetch(`${chat.base}/auth/providers`);
  assert.deepEqual(await listed.json(), {
    passwordLogin: false,
    providers: [{ id: "local", name: "Local OIDC", url: "/auth/oauth/local" }],
  });

  const jar = new CookieJar();
  const start = new URL(`${chat.base}/auth/oauth/local?redirect=${encodeURIComponent("/chat?x=1")}`);
  const first = await browse(jar, start);
  assert.equal(first.status, 302);
  const authorize = new URL(first.headers.get("location") ?? "");
  assert.equal(authorize.origin, provider.issuer);
  for (const param of ["state", "nonce", "code_challenge"]) assert.ok(authorize.searchParams.get(param), param);
  assert.equal(authorize.searchParams.get("code_challenge_method"), "S256");
  assert.equal(authorize.searchParams.get("redirect_uri"), callbackPrefix());
  const stateCookie = first.headers.getSetCookie().find((c) => c.startsWith("chatwire_oauth=")) ?? "";
  assert.match(stateCookie, /HttpOnly/i);
  assert.match(stateCookie, /Max-Age=600/i);
  assert.equal(stateCookie.includes(authorize.searchParams.get("code_challenge") ?? "?"), false);

  const callback = await signInAtProvider(jar, authorize, "ada", callbackPrefix());
  assert.ok(callback.searchParams.get("code"));
  const back = await browse(jar, callback);
  assert.equal(back.status, 302, await back.clone().text());
  assert.equal(back.headers.get("location"), "/chat?x=1", "back to the page the sign-in started from");
  const token = jar.get(new URL(chat.base), "chatwire_token");
  assert.ok(token, "chatwire's session cookie");
  assert.equal(jar.get(new URL(chat.base), "chatwire_oauth"), undefined, "the sign-in state is cleared");

  const seen = chat.seen.at(-1);
  assert.equal(seen?.provider, "local");
  assert.equal(seen?.tokens.claims?.sub, "ada");
  assert.equal(typeof seen?.tokens.claims?.nonce, "string");
  assert.ok(seen?.tokens.accessToken && seen.tokens.idToken);
  assert.deepEqual(seen?.user, {
    identifier: "ada@example.test",
    displayName: "User ada",
    metadata: { provider: "local", team: "blue" },
  });

  const me = await fetch(`${chat.base}/auth/me`, { headers: { cookie: `chatwire_token=${token}` } });
  assert.deepEqual(((await me.json()) as { user: User }).user, seen?.user);
  const client = await connectClient(wsUrl(chat.server), { headers: { cookie: `chatwire_token=${token}` } });
  try {
    assert.equal(client.welcome?.user?.identifier, "ada@example.test");
    assert.equal((await client.until("message_new")).message.content, "hello ada@example.test");
  } finally {
    await client.close();
  }

  // Replayed: the same callback with the same sign-in cookie. The provider refuses the used code.
  const replayJar = new CookieJar();
  const sealed = first.headers
    .getSetCookie()
    .find((c) => c.startsWith("chatwire_oauth="))
    ?.split(";")[0];
  const replay = await fetch(callback, { headers: { cookie: sealed ?? "" }, redirect: "manual" });
  replayJar.store(callback, replay);
  assert.equal(replay.status, 401);
  const refusal = (await replay.clone().json()) as { message: string };
  assert.match(refusal.message, /grant|code/i, `the provider's refusal of the used code: ${refusal.message}`);
  assert.equal(((await replay.json()) as { code: string }).code, "UNAUTHENTICATED");
  assert.equal(replayJar.get(callback, "chatwire_token"), undefined, "no session for a replay");
});

test("refused: a changed state, no sign-in cookie, a user oauthCallback turns away, an unknown provider", async () => {
  const jar = new CookieJar();
  const first = await browse(jar, new URL(`${chat.base}/auth/oauth/local`));
  const callback = await signInAtProvider(jar, new URL(first.headers.get("location") ?? ""), "bob", callbackPrefix());
  const forged = new URL(callback);
  forged.searchParams.set("state", "not-the-state-we-sent");
  const changed = await browse(jar, forged);
  assert.equal(changed.status, 401);
  assert.equal(((await changed.json()) as { code: string }).code, "UNAUTHENTICATED");
  assert.equal(jar.get(new URL(chat.base), "chatwire_token"), undefined);

  const noCookie = await fetch(callback, { redirect: "manual" });
  assert.equal(noCookie.status, 401);
  assert.match(((await noCookie.json()) as { message: string }).message, /no sign-in in progress/);

  const mallory = new CookieJar();
  const start = await browse(mallory, new URL(`${chat.base}/auth/oauth/local`));
  const back = await signInAtProvider(
    mallory,
    new URL(start.headers.get("location") ?? ""),
    "mallory",
    callbackPrefix(),
  );
  const turnedAway = await browse(mallory, back);
  assert.equal(turnedAway.status, 401);
  assert.match(((await turnedAway.json()) as { message: string }).message, /oauthCallback refused/);
  assert.equal(mallory.get(new URL(chat.base), "chatwire_token"), undefined);

  for (const path of ["/auth/oauth/nope", "/auth/oauth/nope/callback?code=x&state=y"]) {
    const unknown = await fetch(`${chat.base}${path}`, { redirect: "manual" });
    assert.equal(unknown.status, 404);
    assert.equal(((await unknown.json()) as { code: string }).code, "UNKNOWN_PROVIDER");
  }
  const anonymous = await connectClient(wsUrl(chat.server), { hello: false });
  assert.equal(await anonymous.closed, 4401, "with OpenID Connect on, nobody is anonymous");
});

test("Chainlit's /auth/config lists the providers; an open redirect is not followed", async () => {
  const config = (await (await fetch(`${chat.base}/auth/config`)).json()) as Record<string, unknown>;
  assert.deepEqual(config.oauthProviders, ["local"]);
  assert.equal(config.requireLogin, true);

  const jar = new CookieJar();
  const first = await browse(jar, new URL(`${chat.base}/auth/oauth/local?redirect=//evil.example/x`));
  const callback = await signInAtProvider(jar, new URL(first.headers.get("location") ?? ""), "carol", callbackPrefix());
  const back = await browse(jar, callback);
  assert.equal(back.status, 302);
  assert.equal(back.headers.get("location"), "/", "only a path of this site");
});

test("chatwire run's environment: CHATWIRE_OAUTH_PROVIDERS and each provider's variables; a missing one refuses", async () => {
  const app = createApp();
  app.oauthCallback((_provider, _tokens, _profile, user) => user);
  const env = {
    CHATWIRE_AUTH_SECRET: SECRET,
    CHATWIRE_OAUTH_PROVIDERS: "local, corp-sso",
    CHATWIRE_OAUTH_LOCAL_ISSUER: provider.issuer,
    CHATWIRE_OAUTH_LOCAL_CLIENT_ID: OIDC_CLIENT.id,
    CHATWIRE_OAUTH_LOCAL_CLIENT_SECRET: OIDC_CLIENT.secret,
    CHATWIRE_OAUTH_CORP_SSO_ISSUER: "https://sso.example",
    CHATWIRE_OAUTH_CORP_SSO_CLIENT_ID: "chat",
    CHATWIRE_OAUTH_CORP_SSO_NAME: "Corp SSO",
    CHATWIRE_OAUTH_CORP_SSO_SCOPES: "openid email",
  };
  const saved = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
  Object.assign(process.env, env);
  try {
    const server = await createServer({ hooks: app.seal(), logger: false, data: false, playground: false });
    try {
      const listed = await server.inject({ method: "GET", url: "/auth/providers" });
      assert.deepEqual(listed.json().providers, [
        { id: "local", name: "local", url: "/auth/oauth/local" },
        { id: "corp-sso", name: "Corp SSO", url: "/auth/oauth/corp-sso" },
      ]);
    } finally {
      await server.close();
    }
    delete process.env.CHATWIRE_OAUTH_CORP_SSO_CLIENT_ID;
    await assert.rejects(
      createServer({ hooks: createApp().seal(), logger: false, data: false, playground: false }),
      (error: unknown) =>
        isChatwireError(error, "INVALID_OPTION") && error.message.includes("CHATWIRE_OAUTH_CORP_SSO_CLIENT_ID"),
    );
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
});

test("a gateway with providers but no oauthCallback, or with a provider list it cannot serve, does not start", async () => {
  const local = { id: "local", issuer: provider.issuer, clientId: OIDC_CLIENT.id };
  const attempts = [
    { hooks: createApp().seal(), providers: [local], says: /needs an oauthCallback/ },
    { hooks: undefined, providers: [local, local], says: /two providers have the id local/ },
    { hooks: undefined, providers: [{ ...local, id: "a/b" }], says: /an id has 1 to 64/ },
    { hooks: undefined, providers: [{ ...local, issuer: "not a url" }], says: /issuer is not a URL/ },
  ];
  for (const { hooks, providers, says } of attempts) {
    const app = createApp();
    app.oauthCallback((_provider, _tokens, _profile, user) => user);
    const server = Fastify({ logger: false });
    await assert.rejects(
      async () => {
        await server.register(chatwire, {
          hooks: hooks ?? app.seal(),
          auth: { secret: SECRET, oauthProviders: providers },
        });
        await server.ready();
      },
      (error: unknown) => isChatwireError(error, "INVALID_OPTION") && says.test(error.message),
    );
    await server.close().catch(() => undefined);
  }
});
