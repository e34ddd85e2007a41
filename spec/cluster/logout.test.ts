// A logout is cluster-wide at once: the node that revokes the token tells the others on the bus, so a socket opened
// with it on another node closes well before that node's poll of the revocations (revocationCheckMs, 5 s) would.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { connectClient } from "chatwire/testing";
import { logIn, startClusterNode } from "../support/cluster.ts";
import { startPostgres, type TestPostgres } from "../support/postgres.ts";

let postgres: TestPostgres;
before(async () => {
  postgres = await startPostgres();
});
after(() => postgres?.stop());

/** Every node also polls revocations every 5 s (`revocationCheckMs`): a close before that came from the broadcast.
 * (docs/deployment.md's one-second bound on loopback is measured and printed, not asserted: a loaded CI machine is
 * not loopback on an idle one.) */
const BEFORE_THE_POLL_MS = 4500;

test("a logout on node B closes the user's socket on node A by broadcast, before the revocation poll, relayed or not", async (t) => {
  const env = { MAX_SESSIONS_PER_USER: "2" };
  const [a, b, c] = await Promise.all([0, 1, 2].map(() => startClusterNode(t, postgres.url, env)));
  assert.ok(a && b && c);
  const { headers } = await logIn(a.port, "ada");
  const other = await logIn(a.port, "bob");
  const onA = await connectClient(`ws://127.0.0.1:${a.port}/ws`, { headers });
  const bobOnA = await connectClient(`ws://127.0.0.1:${a.port}/ws`, { headers: other.headers });
  // A second socket of ada's: opened on A, dropped, resumed on C, so that it is relayed from C to A.
  const first = await connectClient(`ws://127.0.0.1:${a.port}/ws`, { headers });
  const { sessionId, resumeToken } = first.welcome ?? assert.fail("no welcome");
  await first.drop();
  const relayed = await connectClient(`ws://127.0.0.1:${c.port}/ws`, {
    headers,
    resume: { sessionId, resumeToken, lastSeq: first.lastSeq },
  });
  assert.equal(relayed.welcome?.resumed, true);

  const started = performance.now();
  const reply = await fetch(`http://127.0.0.1:${b.port}/auth/logout`, { method: "POST", headers: { ...headers } });
  assert.equal(reply.status, 200);
  const [closedA, closedRelayed] = await Promise.all([onA.closed, relayed.closed]);
  const elapsed = performance.now() - started;
  assert.equal(closedA, 4401);
  assert.equal(closedRelayed, 4401);
  t.diagnostic(`logout on B closed the sockets on A and C after ${elapsed.toFixed(1)} ms`);
  assert.ok(elapsed < BEFORE_THE_POLL_MS, `closed after ${Math.round(elapsed)} ms`);
  assert.equal((await onA.until("error")).code, "UNAUTHENTICATED");
  // The session limit counts every node: bob's third session, on C, is one too many (two are live, on A and B).
  const bobOnB = await connectClient(`ws://127.0.0.1:${b.port}/ws`, { headers: other.headers });
  const third = await connectClient(`ws://127.0.0.1:${c.port}/ws`, { headers: other.headers, hello: false });
  third.send({ type: "hello", protocol: 1 });
  assert.equal((await third.until("error")).code, "TOO_MANY_SESSIONS");
  assert.equal(await third.closed, 4429);
  await bobOnB.close();
  // Only that token's sockets: bob's stays open and answered.
  bobOnA.send({ type: "user_message", id: "m1", content: "still here" });
  assert.equal((await bobOnA.until("message_new")).message.content, "echo: still here");
  await bobOnA.close();
});
