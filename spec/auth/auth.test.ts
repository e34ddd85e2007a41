// Authentication on the WebSocket upgrade: passwordAuth tokens (cookie and bearer), headerAuth, origins.
import assert from "node:assert/strict";
import { test } from "node:test";
import { chatwire, createApp, isChatwireError } from "chatwire";
import { connectClient, wsUrl } from "chatwire/testing";
import Fastify from "fastify";
import WebSocket from "ws";
import { pause, startGateway } from "../support/gateway.ts";

const secret = "a-test-secret-that-is-long-enough-0123456789";

function passwordApp() {
  const chat = createApp();
  const starts: string[] = [];
  chat.passwordAuth(({ username, password }) =>
    password === `${username}-pw` ? { identifier: username, displayName: username.toUpperCase() } : undefined,
  );
  chat.onChatStart(async (ctx) => {
    starts.push(ctx.user?.identifier ?? "anonymous");
    await ctx.send(`hello ${ctx.user?.displayName}`);
  });
  return { hooks: chat.seal(), starts };
}

const login = async (server: Awaited<ReturnType<typeof startGateway>>, username: string, password: string) =>
  server.inject({ method: "POST", url: "/auth/login", payload: { username, password } });

/** Opens a raw socket and returns the first frame and the close code (for refused connections). */
async function refused(url: string, headers: Record<string, string> = {}) {
  const socket = new WebSocket(url, { headers });
  const frames: string[] = [];
  socket.on("message", (data) => frames.push(String(data)));
  const code = await new Promise<number | string>((resolve) => {
    socket.once("close", (closeCode) => resolve(closeCode));
    socket.once("unexpected-response", (_req, res) => {
      resolve(`http ${res.statusCode}`);
      socket.terminate();
    });
    socket.once("error", () => {});
  });
  return { code, first: frames[0] === undefined ? undefined : JSON.parse(frames[0]) };
}

test("login issues a token; the cookie and the bearer form both open an authenticated session", async (t) => {
  const { hooks, starts } = passwordApp();
  const server = await startGateway(t, { hooks, auth: { secret } });
  const reply = await login(server, "ada", "ada-pw");
  assert.equal(reply.statusCode, 200);
  const { token, user } = reply.json() as { token: string; user: { identifier: string } };
  assert.equal(user.identifier, "ada");
  const setCookie = String(reply.headers["set-cookie"]);
  assert.match(setCookie, /chatwire_token=/);
  assert.match(setCookie, /HttpOnly/);
  assert.match(setCookie, /SameSite=Lax/);

  const viaCookie = await connectClient(server, { headers: { cookie: setCookie.split(";")[0] ?? "" } });
  assert.equal((await viaCookie.until("message_new")).message.content, "hello ADA");
  const viaBearer = await connectClient(server, { headers: { authorization: `Bearer ${token}` } });
  assert.equal((await viaBearer.until("message_new")).message.content, "hello ADA");
  assert.deepEqual(starts, ["ada", "ada"]);
  await viaCookie.close();
  await viaBearer.close();
});

test("wrong credentials get 401; no, forged or revoked tokens are refused before any hook runs", async (t) => {
  const { hooks, starts } = passwordApp();
  const server = await startGateway(t, { hooks, auth: { secret } });
  assert.equal((await login(server, "ada", "wrong")).statusCode, 401);
  assert.equal((await login(server, "ada", "")).statusCode, 400, "the body schema refuses an empty password");

  const none = await refused(wsUrl(server));
  assert.equal(none.code, 4401);
  assert.equal(none.first?.code, "UNAUTHENTICATED");
  const forged = await refused(wsUrl(server), { authorization: "Bearer eyJhbGciOiJIUzI1NiJ9.e30.bad" });
  assert.equal(forged.code, 4401);

  const { token } = (await login(server, "bob", "bob-pw")).json() as { token: string };
  const out = await server.inject({
    method: "POST",
    url: "/auth/logout",
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(out.statusCode, 200);
  const revoked = await refused(wsUrl(server), { authorization: `Bearer ${token}` });
  assert.equal(revoked.code, 4401);
  assert.deepEqual(starts, [], "onChatStart never ran for a refused connection");
});

test("an expired token is refused", async (t) => {
  const { hooks } = passwordApp();
  const server = await startGateway(t, { hooks, auth: { secret, ttlSeconds: 1 } });
  const { token } = (await login(server, "ada", "ada-pw")).json() as { token: string };
  await pause(2100);
  const expired = await refused(wsUrl(server), { authorization: `Bearer ${token}` });
  assert.equal(expired.code, 4401);
  assert.match(expired.first?.message ?? "", /expired/);
});

test("passwordAuth without a secret refuses to start with AUTH_SECRET_MISSING", async () => {
  const { hooks } = passwordApp();
  const server = Fastify({ logger: false });
  const saved = process.env.CHATWIRE_AUTH_SECRET;
  delete process.env.CHATWIRE_AUTH_SECRET;
  try {
    await assert.rejects(
      (async () => {
        await server.register(chatwire, { hooks });
        await server.ready();
      })(),
      (error) => isChatwireError(error, "AUTH_SECRET_MISSING"),
    );
  } finally {
    if (saved !== undefined) process.env.CHATWIRE_AUTH_SECRET = saved;
    await server.close();
  }
});

test("headerAuth decides the user from the upgrade's headers", async (t) => {
  const chat = createApp();
  chat.headerAuth((headers) => {
    const user = headers["x-forwarded-user"];
    return typeof user === "string" ? { identifier: user } : undefined;
  });
  chat.onChatStart(async (ctx) => {
    await ctx.send(`you are ${ctx.user?.identifier}`);
  });
  const server = await startGateway(t, { hooks: chat.seal() });
  const client = await connectClient(server, { headers: { "x-forwarded-user": "carol" } });
  assert.equal((await client.until("message_new")).message.content, "you are carol");
  await client.close();
  assert.equal((await refused(wsUrl(server))).code, 4401);
});

test("a foreign Origin cannot open the socket (403); same origin and allowlisted origins can", async (t) => {
  const chat = createApp();
  const server = await startGateway(t, { hooks: chat.seal() });
  const url = wsUrl(server);
  const host = new URL(url).host;
  assert.equal((await refused(url, { origin: "https://evil.example" })).code, "http 403");
  const same = await connectClient(server, { headers: { origin: `http://${host}` } });
  await same.close();

  const listed = await startGateway(t, { hooks: createApp().seal(), allowedOrigins: ["https://app.example"] });
  const ok = await connectClient(listed, { headers: { origin: "https://app.example" } });
  await ok.close();
  assert.equal((await refused(wsUrl(listed), { origin: `http://${host}` })).code, "http 403");
});

test("a resume naming another user's session is refused even with the right token", async (t) => {
  const chat = createApp();
  chat.headerAuth((headers) => ({ identifier: String(headers["x-user"] ?? "nobody") }));
  const server = await startGateway(t, { hooks: chat.seal() });
  const alice = await connectClient(server, { headers: { "x-user": "alice" } });
  await alice.drop();
  const resume = {
    sessionId: alice.welcome?.sessionId ?? "",
    resumeToken: alice.welcome?.resumeToken ?? "",
    lastSeq: 0,
  };
  const mallory = await connectClient(server, { headers: { "x-user": "mallory" }, resume });
  const failed = mallory.received.find((f) => f.type === "resume_failed");
  assert.equal(failed?.type === "resume_failed" && failed.reason, "forbidden");
  assert.notEqual(mallory.welcome?.sessionId, alice.welcome?.sessionId);
  await mallory.close();
});
