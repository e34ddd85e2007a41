// Stored asks in a cluster (docs/durability.md#stored-asks), with real node processes on the built package and
// PostgreSQL: the node whose turn waits on an askText is killed with kill -9; the client reconnects through the load
// balancer to another node, which shows the ask again once the dead node's lease has run out; the answer, given
// there, resumes the turn to one complete answer, the step before the ask not run again.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { connectClient } from "chatwire/testing";
import { comeBack, startDurableCluster, streamed } from "../support/durable.ts";
import { startPostgres, type TestPostgres } from "../support/postgres.ts";

let postgres: TestPostgres;
before(async () => {
  postgres = await startPostgres();
});
after(() => postgres?.stop());

test("the node holding an askText killed: the ask is shown on another node, answered there, and the turn ends once", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "chatwire-asks-cluster-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const fixture = "spec/fixtures/ask-app.ts";
  const { nodes, proxy, headers, url } = await startDurableCluster(t, postgres.url, fixture, { COUNTER_DIR: dir });
  const count = (name: string) => readFileSync(join(dir, name), "utf8").length;

  const client = await connectClient(url, { headers });
  const welcome = client.welcome ?? assert.fail("no welcome");
  const holderIndex = proxy.landed[0] ?? -1;
  const holder = nodes[holderIndex] ?? assert.fail("no holder");
  client.send({ type: "user_message", id: "m1", content: "greet someone" });
  const answerId = (await client.until("stream_start", 10_000)).message.id;
  const asked = await client.until("ask", 10_000);
  await holder.kill();
  assert.equal(count("step1"), 1);

  const { again, at } = await comeBack(url, welcome, client.lastSeq, headers);
  assert.notEqual(proxy.landed[1], holderIndex);
  const shown = await again.until("ask", 20_000);
  assert.equal(shown.askId, asked.askId);

  again.send({ type: "ask_reply", askId: asked.askId, content: "Ada" });
  assert.equal((await again.until("ask_end", 10_000)).outcome, "answered");
  const reopened = await again.until("stream_start", 15_000);
  assert.equal(reopened.message.id, answerId);
  assert.equal(reopened.message.recovered, true);
  const end = await again.until("stream_end", 15_000);
  assert.equal(end.content, "looked up. hello Ada. ");
  assert.equal(streamed(again, answerId, at), "looked up. hello Ada. ");
  await again.until("task_end", 10_000);
  assert.equal(again.received.filter((frame) => frame.type === "ask").length, 1);
  assert.deepEqual([count("step1"), count("step2")], [1, 1]);
  await again.close();
});
