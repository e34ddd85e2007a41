// kill -9 of the node holding a session mid-stream: the client's next connection through the proxy gets
// resume_failed and reopens the stored thread on a surviving node, with every turn whose task_end it saw; the
// directory forgets the dead node within its lease.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { connectClient } from "chatwire/testing";
import pg from "pg";
import { logIn, startClusterNode, startProxy } from "../support/cluster.ts";
import { eventually, pause } from "../support/gateway.ts";
import { startPostgres, type TestPostgres } from "../support/postgres.ts";

let postgres: TestPostgres;
before(async () => {
  postgres = await startPostgres();
});
after(() => postgres?.stop());

const LEASE_MS = 2000;

test("a holder killed mid-stream: the client reopens its thread through the proxy, nothing it saw end is lost", async (t) => {
  // Durable turns off: this test is about the session moving. With them on, the killed node's long turn would be
  // recovered at once on the reopened thread (spec/durable/cluster.test.ts tests that) and run before "m3".
  const env = { CLUSTER_LEASE_MS: String(LEASE_MS), CLUSTER_HEARTBEAT_MS: "500", DURABLE_TURNS: "0" };
  const nodes = await Promise.all([0, 1, 2].map(() => startClusterNode(t, postgres.url, env)));
  const proxy = await startProxy(
    t,
    nodes.map((node) => node.port),
  );
  const { headers } = await logIn(nodes[0]?.port ?? 0, "ada");
  const url = `ws://127.0.0.1:${proxy.port}/ws`;
  const db = new pg.Client({ connectionString: postgres.url });
  await db.connect();
  t.after(() => db.end());

  const client = await connectClient(url, { headers });
  const welcome = client.welcome ?? assert.fail("no welcome");
  const holder = nodes[proxy.landed[0] ?? -1] ?? assert.fail("no holder");
  client.send({ type: "user_message", id: "m1", content: "first" });
  assert.equal((await client.until("message_new")).message.content, "echo: first");
  await client.until("task_end");
  client.send({ type: "user_message", id: "m2", content: "count 1000000" });
  await eventually(() => client.received.filter((frame) => frame.type === "stream_token").length >= 100, 10_000);

  // A second session on the holder, its client relayed by another node: that node must notice the death too.
  const survivor = nodes.find((node) => node !== holder) ?? assert.fail("no survivor");
  const direct = await connectClient(`ws://127.0.0.1:${holder.port}/ws`, { headers });
  const second = direct.welcome ?? assert.fail("no welcome");
  await direct.drop();
  const relayed = await connectClient(`ws://127.0.0.1:${survivor.port}/ws`, {
    headers,
    resume: { sessionId: second.sessionId, resumeToken: second.resumeToken, lastSeq: direct.lastSeq },
  });
  assert.equal(relayed.welcome?.resumed, true);

  await holder.kill();
  const killedAt = performance.now();
  assert.notEqual(await client.closed, 1000);

  // The next connection lands on a survivor: the holder does not answer, so the resume fails and the same
  // connection reopens the stored thread instead.
  const started = performance.now();
  const again = await connectClient(url, { headers, hello: false });
  again.send({
    type: "hello",
    protocol: 1,
    resume: { sessionId: welcome.sessionId, resumeToken: welcome.resumeToken, lastSeq: client.lastSeq },
    thread: { id: welcome.threadId },
  });
  const failed = await again.until("resume_failed", 5000);
  assert.equal(failed.reason, "expired");
  const reopened = await again.until("welcome");
  t.diagnostic(`resume_failed and the reopened thread after ${(performance.now() - started).toFixed(0)} ms`);
  assert.equal(reopened.threadId, welcome.threadId);
  assert.equal(reopened.resumed, false);
  const history = await again.until("thread_history");
  const contents = history.steps.flatMap((entry) => (entry.kind === "message" ? [entry.content] : []));
  assert.deepEqual(contents.slice(0, 2), ["first", "echo: first"]);
  again.send({ type: "user_message", id: "m3", content: "still there?" });
  assert.equal((await again.until("message_new")).message.content, "echo: still there?");
  await again.close();
  // The relaying node closed its client (1012: reconnect) once the holder's lease had run out.
  assert.equal(await relayed.closed, 1012);
  t.diagnostic(`the relayed socket closed ${(performance.now() - killedAt).toFixed(0)} ms after the kill`);

  // The dead node's lease runs out, and its sessions leave the directory with it.
  const liveNodes = async () =>
    Number((await db.query("SELECT count(*) AS n FROM chatwire_cluster_nodes")).rows[0]?.n ?? -1);
  const deadline = Date.now() + LEASE_MS + 2000;
  while ((await liveNodes()) !== 2 && Date.now() < deadline) await pause(50);
  assert.equal(await liveNodes(), 2);
  const rows = await db.query("SELECT 1 FROM chatwire_cluster_sessions WHERE session_id = ANY($1)", [
    [welcome.sessionId, second.sessionId],
  ]);
  assert.equal(rows.rowCount, 0);
});
