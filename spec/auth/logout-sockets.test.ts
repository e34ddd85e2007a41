// A token that stops being valid ends the live sockets opened with it: a logout closes them (4401) on this node at
// once and on another node sharing the database within revocationCheckMs; an expired token at the next frame.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import { createApp, type GatewayOptions } from "chatwire";
import { connectClient } from "chatwire/testing";
import type { FastifyInstance } from "fastify";
import { eventually, pause, startGateway } from "../support/gateway.ts";

const secret = "a-test-secret-that-is-long-enough-0123456789";

/** An app whose onMessage records who it ran for; onChatEnd records the sessions that ended. */
function app() {
  const chat = createApp();
  const handled: string[] = [];
  const ended: string[] = [];
  chat.passwordAuth(({ username, password }) => (password === `${username}-pw` ? { identifier: username } : undefined));
  chat.onMessage(async (ctx, message) => {
    handled.push(message.content);
    await ctx.send(`echo ${message.content}`);
  });
  chat.onChatEnd((ctx) => {
    ended.push(ctx.sessionId);
  });
  return { hooks: chat.seal(), handled, ended };
}

async function login(server: FastifyInstance, username: string): Promise<string> {
  const reply = await server.inject({
    method: "POST",
    url: "/auth/login",
    payload: { username, password: `${username}-pw` },
  });
  assert.equal(reply.statusCode, 200);
  return (reply.json() as { token: string }).token;
}

const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

async function logout(server: FastifyInstance, token: string): Promise<void> {
  const reply = await server.inject({ method: "POST", url: "/auth/logout", headers: bearer(token).headers });
  assert.equal(reply.statusCode, 200);
}

function sqliteFile(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), "chatwire-logout-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, "chat.db");
}

test("logout closes every live socket opened with that token at once (4401); another login's socket goes on", async (t) => {
  const { hooks, handled, ended } = app();
  const server = await startGateway(t, { hooks, auth: { secret } });
  const token = await login(server, "ada");
  const other = await login(server, "ada");
  const first = await connectClient(server, bearer(token));
  const second = await connectClient(server, bearer(token));
  const kept = await connectClient(server, bearer(other));
  t.after(() => kept.close());

  await logout(server, token);
  assert.equal(await first.closed, 4401);
  assert.equal(await second.closed, 4401);
  assert.equal((await first.until("error")).code, "UNAUTHENTICATED");
  await eventually(() => ended.length === 2, 5000);
  assert.deepEqual(ended.sort(), [first.welcome?.sessionId, second.welcome?.sessionId].sort(), "their sessions ended");

  kept.send({ type: "user_message", id: "k1", content: "still in" });
  assert.equal((await kept.until("message_new")).message.content, "echo still in");
  assert.deepEqual(handled, ["still in"], "nothing ran for the logged-out sockets");
});

test("a logout on another node sharing the SQLite file closes this node's sockets within revocationCheckMs", async (t) => {
  const path = sqliteFile(t);
  const a = app();
  const b = app();
  const options = (hooks: GatewayOptions["hooks"]): GatewayOptions => ({
    hooks,
    auth: { secret },
    data: { sqlite: path },
    revocationCheckMs: 100,
  });
  const nodeA = await startGateway(t, options(a.hooks));
  const nodeB = await startGateway(t, options(b.hooks));
  const token = await login(nodeA, "ada");
  const onB = await connectClient(nodeB, bearer(token));
  onB.send({ type: "user_message", id: "m1", content: "before" });
  assert.equal((await onB.until("message_new")).message.content, "echo before");

  await logout(nodeA, token);
  assert.equal(await onB.closed, 4401, "node B closed the socket after its next revocation check");
  assert.equal((await onB.until("error")).code, "UNAUTHENTICATED");
  assert.deepEqual(b.handled, ["before"]);
});

test("an expired token ends its socket at the session's next frame (4401), and the frame is not handled", async (t) => {
  const { hooks, handled } = app();
  // `exp` has a one-second resolution: a one-second token may expire at once, a three-second one after 2 s at least.
  const server = await startGateway(t, { hooks, auth: { secret, ttlSeconds: 3 } });
  const token = await login(server, "ada");
  const client = await connectClient(server, bearer(token));
  client.send({ type: "user_message", id: "m1", content: "in time" });
  assert.equal((await client.until("message_new")).message.content, "echo in time");
  await pause(4100); // past the token's expiry
  client.send({ type: "user_message", id: "m2", content: "too late" });
  assert.equal(await client.closed, 4401);
  assert.equal((await client.until("error")).code, "UNAUTHENTICATED");
  assert.deepEqual(handled, ["in time"]);
});
