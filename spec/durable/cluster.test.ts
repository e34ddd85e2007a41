// Durable turns in a cluster (docs/durability.md), with real node processes on the built package and PostgreSQL:
// kill -9 the node running a turn after 2 of its 3 steps; the client reconnects through the load balancer to
// another node, which takes the turn over once it finds the dead node gone, and the client sees its one answer
// continue to its end, while the finished steps ran once.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { connectClient } from "chatwire/testing";
import { comeBack, startDurableCluster, streamed } from "../support/durable.ts";
import { eventually } from "../support/gateway.ts";
import { startPostgres, type TestPostgres } from "../support/postgres.ts";

let postgres: TestPostgres;
before(async () => {
  postgres = await startPostgres();
});
after(() => postgres?.stop());

const WHOLE = "result 1. result 2. result 3. ";

test("a node killed after step 2 of 3: another node takes the turn over, the answer ends once", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "chatwire-durable-cluster-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const fixture = "spec/fixtures/durable-cluster-node.ts";
  const { nodes, proxy, headers, url } = await startDurableCluster(t, postgres.url, fixture, { COUNTER_DIR: dir });
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

  const { again, history, at } = await comeBack(url, welcome, client.lastSeq, headers);
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
