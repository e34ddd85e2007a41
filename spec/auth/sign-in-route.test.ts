// An embedding app's own route signs a user in (an SSO of its own, no passwordAuth, no headerAuth), through the
// built package: GatewayHandle.signIn sets chatwire's session cookie on the app's reply, the cookie and the returned
// token open the WebSocket as that user, /auth/me knows them, and /auth/logout revokes the token. Without session
// tokens (`auth.sessions`), signIn refuses with INVALID_OPTION; a user without an identifier with INVALID_HOOK.
import assert from "node:assert/strict";
import { test } from "node:test";
import { chatwire, createApp, type GatewayHandle, isChatwireError } from "chatwire";
import { connectClient, wsUrl } from "chatwire/testing";
import Fastify from "fastify";

const SECRET = "an auth secret of at least thirty-two bytes";

async function startApp(t: import("node:test").TestContext, sessions: boolean) {
  const chat = createApp();
  chat.onChatStart(async (ctx) => {
    await ctx.send(`hello ${ctx.user?.identifier ?? "nobody"}`);
  });
  const server = Fastify({ logger: false });
  let gateway: GatewayHandle | undefined;
  await server.register(chatwire, {
    hooks: chat.seal(),
    auth: { secret: SECRET, sessions },
    onReady: (handle: GatewayHandle) => (gateway = handle),
  });
  // The app's own sign-in: here, whoever `?as=` names (a real app checks its SSO's answer first).
  server.get<{ Querystring: { as?: string } }>("/sso/callback", async (request, reply) => {
    const as = request.query.as ?? "";
    const token = await gateway?.signIn(reply, { identifier: as, displayName: as.toUpperCase() });
    return reply.header("x-token", token).redirect("/", 302);
  });
  await server.listen({ host: "127.0.0.1", port: 0 });
  t.after(() => server.close());
  const { port } = server.server.address() as { port: number };
  return { server, base: `http://127.0.0.1:${port}` };
}

const cookieOf = (response: Response) =>
  response.headers
    .getSetCookie()
    .find((c) => c.startsWith("chatwire_token="))
    ?.split(";")[0];

test("the app's route signs a user in: the cookie and the token open the socket as them; logout revokes it", async (t) => {
  const { server, base } = await startApp(t, true);
  const refused = await connectClient(server, { hello: false });
  t.after(() => refused.close());
  assert.equal(await refused.closed, 4401, "session tokens are on: nobody is anonymous");

  const signedIn = await fetch(`${base}/sso/callback?as=ada`, { redirect: "manual" });
  assert.equal(signedIn.status, 302);
  assert.equal(signedIn.headers.get("location"), "/");
  const setCookie = signedIn.headers.getSetCookie().find((c) => c.startsWith("chatwire_token=")) ?? "";
  assert.match(setCookie, /HttpOnly/i);
  assert.match(setCookie, /SameSite=Lax/i);
  const cookie = cookieOf(signedIn) ?? "";
  const token = signedIn.headers.get("x-token") ?? "";
  assert.equal(cookie, `chatwire_token=${token}`, "the cookie carries the token signIn returned");

  const me = await fetch(`${base}/auth/me`, { headers: { cookie } });
  assert.deepEqual(await me.json(), { user: { identifier: "ada", displayName: "ADA" } });
  const ada = await connectClient(wsUrl(server), { headers: { cookie } });
  t.after(() => ada.close());
  assert.equal(ada.welcome?.user?.identifier, "ada");
  assert.equal((await ada.until("message_new")).message.content, "hello ada");
  const bearer = await connectClient(wsUrl(server), { headers: { authorization: `Bearer ${token}` } });
  t.after(() => bearer.close());
  assert.equal(bearer.welcome?.user?.identifier, "ada");

  const out = await fetch(`${base}/auth/logout`, { method: "POST", headers: { cookie } });
  assert.equal(out.status, 200);
  assert.equal(await ada.closed, 4401, "the socket opened with the revoked token closes");
  assert.equal((await fetch(`${base}/auth/me`, { headers: { cookie } })).status, 401);
  assert.equal((await fetch(`${base}/auth/login`, { method: "POST" })).status, 404, "no password login");

  const nobody = await fetch(`${base}/sso/callback?as=`, { redirect: "manual" });
  assert.equal(nobody.status, 500, "an empty identifier is the app's bug");
  assert.equal(cookieOf(nobody), undefined);
});

test("without session tokens, signIn refuses with INVALID_OPTION and sets no cookie", async (t) => {
  const chat = createApp();
  const server = Fastify({ logger: false });
  let gateway: GatewayHandle | undefined;
  await server.register(chatwire, { hooks: chat.seal(), onReady: (handle: GatewayHandle) => (gateway = handle) });
  let thrown: unknown;
  server.get("/sso/callback", async (_request, reply) => {
    await gateway?.signIn(reply, { identifier: "ada" }).catch((error: unknown) => (thrown = error));
    return { ok: false };
  });
  await server.ready();
  t.after(() => server.close());
  const response = await server.inject({ method: "GET", url: "/sso/callback" });
  assert.equal(isChatwireError(thrown, "INVALID_OPTION"), true);
  assert.equal(response.headers["set-cookie"], undefined);
});
