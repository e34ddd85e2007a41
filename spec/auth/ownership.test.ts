// Two real users signed in through passwordAuth on one gateway with SQLite: B can do nothing to A's thread, not by
// its id over HTTP, not by resuming it, not by rating or unrating A's messages.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import { createApp, createSqliteLayer } from "chatwire";
import { connectClient } from "chatwire/testing";
import { startGateway } from "../support/gateway.ts";

const secret = "a-test-secret-that-is-long-enough-0123456789";

async function twoUsers(t: TestContext) {
  const chat = createApp();
  chat.passwordAuth(({ username, password }) =>
    password === `${username}-pw` ? { identifier: username, displayName: username } : undefined,
  );
  chat.onMessage(async (ctx, message) => {
    await ctx.send(`answer to ${message.content}`);
  });
  const dir = mkdtempSync(join(tmpdir(), "chatwire-owners-"));
  const layer = createSqliteLayer({ path: join(dir, "chatwire.db") });
  await layer.migrate();
  t.after(async () => {
    await layer.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const server = await startGateway(t, { hooks: chat.seal(), data: layer, auth: { secret } });
  const signIn = async (username: string) => {
    const reply = await server.inject({
      method: "POST",
      url: "/auth/login",
      payload: { username, password: `${username}-pw` },
    });
    assert.equal(reply.statusCode, 200);
    return { authorization: `Bearer ${(reply.json() as { token: string }).token}` };
  };
  return { server, layer, ada: await signIn("ada"), bob: await signIn("bob") };
}

test("user B cannot read, rename, delete, resume or rate user A's thread", async (t) => {
  const { server, layer, ada, bob } = await twoUsers(t);
  const alice = await connectClient(server, { headers: ada });
  alice.send({ type: "user_message", id: "m1", content: "my salary" });
  const answer = await alice.until("message_new");
  await alice.until("task_end");
  alice.send({ type: "feedback", id: "f1", messageId: answer.message.id, value: 1 });
  await alice.until("feedback_saved");
  const threadId = alice.welcome?.threadId ?? "";

  // Feedback on A's real message id from B's own conversation: refused, A's feedback untouched.
  const mallory = await connectClient(server, { headers: bob });
  for (const value of [0, null] as const) {
    mallory.send({ type: "feedback", id: `b-${value}`, messageId: answer.message.id, value });
    const refusal = await mallory.until("error"); // after the favorites list a signed-in session starts with
    assert.equal(refusal.type === "error" && refusal.code, "UNKNOWN_MESSAGE");
    assert.equal(refusal.type === "error" && refusal.replyTo, `b-${value}`);
  }
  await mallory.close();

  // The HTTP routes answer B exactly as for a thread that does not exist.
  const missing = await server.inject({ method: "GET", url: "/threads/no-such-thread", headers: bob });
  for (const request of [
    { method: "GET", url: `/threads/${threadId}` },
    { method: "PATCH", url: `/threads/${threadId}`, payload: { name: "pwned" } },
    { method: "DELETE", url: `/threads/${threadId}` },
  ] as const) {
    const reply = await server.inject({ ...request, headers: bob });
    assert.equal(reply.statusCode, 404, `${request.method} ${request.url}`);
    assert.deepEqual(reply.json(), missing.json());
  }
  const list = await server.inject({ method: "GET", url: "/threads", headers: bob });
  assert.deepEqual(list.json(), { threads: [] });

  // Resuming it by id: THREAD_NOT_FOUND and a fresh conversation, no history.
  const intruder = await connectClient(server, { headers: bob, hello: false });
  intruder.send({ type: "hello", protocol: 1, thread: { id: threadId } });
  const refusal = await intruder.next();
  assert.equal(refusal.type === "error" && refusal.code, "THREAD_NOT_FOUND");
  assert.notEqual((await intruder.until("welcome")).threadId, threadId);
  assert.ok(!intruder.received.some((frame) => frame.type === "thread_history"));
  await intruder.close();

  // A's thread is as A left it, and A can still do all of it.
  const stored = await layer.loadThread(threadId);
  assert.equal(stored?.name, "my salary");
  assert.deepEqual(
    stored?.steps.map((s) => s.feedback?.value),
    [undefined, 1],
  );
  const own = await server.inject({
    method: "PATCH",
    url: `/threads/${threadId}`,
    payload: { name: "Pay" },
    headers: ada,
  });
  assert.equal(own.statusCode, 200);
  assert.equal((await server.inject({ method: "DELETE", url: `/threads/${threadId}`, headers: ada })).statusCode, 204);
  await alice.close();
});
