// Durable turns in a cluster (docs/durability.md), with real node processes on the built package and PostgreSQL:
// kill -9 the node running a turn after 2 of its 3 steps; the client reconnects through the load balancer to
// another node, which takes the turn over once it finds the dead node gone, and the client sees its one answer
// continue to its end, while the finished steps ran once.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { connectClient, type TestClient } from "chatwire/testing";
import { logIn, startClusterNode, startProxy } from "../support/cluster.ts";
import { eventually } from "../support/gateway.ts";
import { startPostgres, type TestPostgres } from "../support/postgres.ts";

let postgres: TestPostgres;
before(async () => {
  postgres = await startPostgres();
});
after(() => postgres?.stop());

/** What a client was shown of one message's stream from frame `from` on. */
function streamed(client: TestClient, id: string, from = 0): string {
  let content = "";
  for (const frame of client.received.slice(from)) {
    if (frame.type === "stream_start" && frame.message.id === id) content = frame.message.content;
    if (frame.type === "stream_token" && frame.id === id)
      content = frame.replace === true ? frame.token : content + frame.token;
  }
  return content;
}

const WHOLE = "result 1. result 2. result 3. ";

test("a node killed after step 2 of 3: another node takes the turn over, the answer ends once", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "chatwire-durable-cluster-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const env = { COUNTER_DIR: dir, CLUSTER_LEASE_MS: "2000", CLUSTER_HEARTBEAT_MS: "500" };
  const fixture = "spec/fixtures/durable-cluster-node.ts";
  const nodes = await Promise.all([0, 1, 2].map(() => startClusterNode(t, postgres.url, env, fixture)));
  const proxy = await startProxy(
    t,
    nodes.map((node) => node.port),
  );
  const { headers } = await logIn(nodes[0]?.port ?? 0, "ada");
  const url = `ws://127.0.0.1:${proxy.port}/ws`;
  const count = (n: number) => readFileSync(join(dir, `step${n}`), "utf8").length;

  const client = await connectClient(url, { headers });
  const welcome = client.welcome ?? assert.fail("no welcome");
  const holder = nodes[proxy.landed[0] ?? -1] ?? assert.fail("no holder");
  client.send({ type: "user_message", id: "m1", content: "three steps, please" });
  const answerId = (await client.until("stream_start", 10_000)).message.id;
  await eventually(() => streamed(client, answerId) === "result 1. result 2. ", 10_000);
  await holder.kill();
  const killedAt = performance.now();
  assert.deepEqual([count(1), count(2)], [1, 1]);

  const again = await connectClient(url, { headers, hello: false });
  again.send({
    type: "hello",
    protocol: 1,
    resume: { sessionId: welcome.sessionId, resumeToken: welcome.resumeToken, lastSeq: client.lastSeq },
    thread: { id: welcome.threadId },
  });
  assert.equal((await again.until("resume_failed", 10_000)).reason, "expired");
  const history = await again.until("thread_history", 10_000);
  const at = again.received.indexOf(history);
  const stored = history.steps.find((step) => step.id === answerId);
  const partial = stored?.kind === "message" ? stored.content : assert.fail("the answer is not in the history");
  assert.ok(WHOLE.startsWith(partial));

  const reopened = await again.until("stream_start", 20_000);
  assert.equal(reopened.message.id, answerId);
  assert.equal(reopened.message.recovered, true);
  t.diagnostic(`the recovered answer started ${(performance.now() - killedAt).toFixed(0)} ms after the kill`);
  const end = await again.until("stream_end", 15_000);
  assert.equal(end.content, WHOLE);
  assert.equal(streamed(again, answerId, at), WHOLE);
  const tokens = again.received.flatMap((frame) => (frame.type === "stream_token" ? [frame.token] : []));
  assert.equal(partial + tokens.join(""), WHOLE);
  assert.equal(
    again.received.some((frame) => frame.type === "message_new"),
    false,
  );
  await again.until("task_end", 10_000);
  assert.deepEqual([count(1), count(2), count(3)], [1, 1, 1]);
  await again.close();

  // Reopened later on any node, the stored answer is whole and marked recovered (PostgreSQL's batched write).
  const later = await connectClient(url, { headers, hello: false });
  later.send({ type: "hello", protocol: 1, thread: { id: welcome.threadId } });
  const kept = (await later.until("thread_history", 10_000)).steps.find((step) => step.id === answerId);
  assert.equal(kept?.kind === "message" ? kept.content : undefined, WHOLE);
  assert.equal(kept?.kind === "message" ? kept.recovered : undefined, true);
  await later.close();
});
