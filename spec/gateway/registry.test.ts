// Sessions per user through a real gateway: the limit holds under simultaneous hellos, and sessions that lost
// their connection make room instead of locking their user out for the grace period.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createApp } from "chatwire";
import type { ServerFrame } from "chatwire/protocol";
import { connectClient } from "chatwire/testing";
import { eventually, startGateway } from "../support/gateway.ts";

const headers = { "x-user": "dan" };

function appWithUsers() {
  const chat = createApp();
  const ended: string[] = [];
  chat.headerAuth((h) => ({ identifier: String(h["x-user"]) }));
  chat.onChatEnd((ctx) => {
    ended.push(ctx.sessionId);
  });
  return { hooks: chat.seal(), ended };
}

test("simultaneous hellos of one user cannot all pass maxSessionsPerUser while threads load", async (t) => {
  const { hooks } = appWithUsers();
  const server = await startGateway(t, { hooks, data: "memory", maxSessionsPerUser: 2 });
  const clients = await Promise.all(Array.from({ length: 6 }, () => connectClient(server, { headers, hello: false })));
  t.after(() => Promise.all(clients.map((client) => client.close())));
  // Each names a thread, so each start awaits the data layer between the limit check and the session's creation.
  for (const client of clients) client.send({ type: "hello", protocol: 1, thread: { id: "no-such-thread" } });
  const outcome = async (client: (typeof clients)[number]) => {
    for (;;) {
      const frame: ServerFrame = await client.next(5000);
      if (frame.type === "welcome") return "welcome";
      if (frame.type === "error" && frame.code === "TOO_MANY_SESSIONS") return "refused";
    }
  };
  const outcomes = await Promise.all(clients.map(outcome));
  assert.equal(outcomes.filter((o) => o === "welcome").length, 2, outcomes.join(","));
  assert.equal(outcomes.filter((o) => o === "refused").length, 4);
});

test("at the limit, the user's oldest dropped session is ended to make room for a new one", async (t) => {
  const { hooks, ended } = appWithUsers();
  const server = await startGateway(t, { hooks, maxSessionsPerUser: 2, reconnectGraceMs: 60_000 });
  const first = await connectClient(server, { headers });
  const second = await connectClient(server, { headers });
  await first.drop(); // a reload: the session waits for a resume that will not come
  const third = await connectClient(server, { headers });
  t.after(() => Promise.all([second.close(), third.close()]));
  assert.equal(third.welcome?.type, "welcome");
  await eventually(() => ended.length === 1);
  assert.deepEqual(ended, [first.welcome?.sessionId], "the dropped session ended (onChatEnd), not the live one");
  const fourth = await connectClient(server, { headers, hello: false });
  t.after(() => fourth.close());
  fourth.send({ type: "hello", protocol: 1 });
  const refusal = await fourth.next();
  assert.equal(refusal.type === "error" && refusal.code, "TOO_MANY_SESSIONS", "two connected sessions: no room");
});
