// A node's liveness through PostgreSQL (docs/durability.md#liveness, #fencing), with real node processes on the
// built package. Every node has a 60 s lease here, so that only its liveness lock can explain what the tests see:
// - kill -9: the lock is freed with the dead process's connection, and a session on another node recovers the turn
//   while the dead node's lease still runs;
// - a lock connection cut while the process lives (pg_terminate_backend on it, as a network blip or a PostgreSQL
//   restart would): the node stops its turn and lets it go (TURN_TAKEN_OVER to its client), another node recovers it,
//   and the old owner, once its handler goes on, neither runs the next step nor writes over the new owner's record.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, type TestContext, test } from "node:test";
import { connectClient } from "chatwire/testing";
import pg from "pg";
import { type ClusterNodeProcess, logIn, startClusterNode } from "../support/cluster.ts";
import { streamed } from "../support/durable.ts";
import { eventually } from "../support/gateway.ts";
import { startPostgres, type TestPostgres } from "../support/postgres.ts";

let postgres: TestPostgres;
let db: pg.Client;
before(async () => {
  postgres = await startPostgres();
  db = new pg.Client({ connectionString: postgres.url });
  await db.connect();
});
after(async () => {
  await db?.end();
  await postgres?.stop();
});

const WHOLE = "result 1. result 2. result 3. ";
const LONG_LEASE = { CLUSTER_LEASE_MS: "60000", CLUSTER_HEARTBEAT_MS: "1000" };
const FIXTURE = "spec/fixtures/durable-cluster-node.ts";

/** Why the fixture's handler was aborted, once it wrote it (the file exists before its content is written). */
async function abortedWith(dir: string): Promise<string> {
  const file = join(dir, "aborted");
  await eventually(() => existsSync(file) && readFileSync(file, "utf8") !== "", 10_000);
  return readFileSync(file, "utf8");
}

interface TurnRow {
  id: string;
  node_id: string;
  state: string;
}
/** The turns of a thread, as stored. */
const turnsOf = async (threadId: string) =>
  (await db.query<TurnRow>("SELECT id, node_id, state FROM chatwire_turns WHERE thread_id = $1", [threadId])).rows;

/** Whether node `nodeId` holds its liveness lock, as pg_locks says (its lock connection is named after it). */
async function lockHeld(nodeId: string): Promise<boolean> {
  const { rows } = await db.query(
    `SELECT 1 FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
     WHERE l.locktype = 'advisory' AND l.granted AND a.application_name = $1`,
    [`chatwire node ${nodeId}`],
  );
  return rows.length > 0;
}

/** Whether node `nodeId`'s lease row is still running, on the database's clock. */
async function leaseRunning(nodeId: string): Promise<boolean> {
  const { rows } = await db.query<{ running: boolean }>(
    `SELECT expires_at > (extract(epoch from clock_timestamp()) * 1000)::bigint AS running
     FROM chatwire_cluster_nodes WHERE node_id = $1`,
    [nodeId],
  );
  return rows[0]?.running === true;
}

/** Two nodes; a client on the first has a turn hung after 2 of its 3 steps. */
async function turnHungOnA(t: TestContext) {
  const dir = mkdtempSync(join(tmpdir(), "chatwire-liveness-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const env = { COUNTER_DIR: dir, ...LONG_LEASE };
  const [a, b] = (await Promise.all([0, 1].map(() => startClusterNode(t, postgres.url, env, FIXTURE)))) as [
    ClusterNodeProcess,
    ClusterNodeProcess,
  ];
  const { headers } = await logIn(a.port, "ada");
  const client = await connectClient(`ws://127.0.0.1:${a.port}/ws`, { headers });
  t.after(() => client.close());
  client.send({ type: "user_message", id: "m1", content: "three steps, please" });
  const answerId = (await client.until("stream_start", 10_000)).message.id;
  await eventually(() => streamed(client, answerId) === "result 1. result 2. ", 10_000);
  const threadId = client.welcome?.threadId ?? assert.fail("no welcome");
  const turns = () => turnsOf(threadId);
  const [turn] = await turns();
  const nodeA = turn?.node_id ?? assert.fail("the turn is not stored");
  const count = (n: number) => {
    try {
      return readFileSync(join(dir, `step${n}`), "utf8").length;
    } catch {
      return 0;
    }
  };
  /** Opens the thread in another tab on node B. */
  const tabOnB = async () => {
    const tab = await connectClient(`ws://127.0.0.1:${b.port}/ws`, { headers, hello: false });
    t.after(() => tab.close());
    tab.send({ type: "hello", protocol: 1, thread: { id: threadId } });
    await tab.until("thread_history", 10_000);
    return tab;
  };
  return { a, b, dir, client, answerId, nodeA, count, tabOnB, turns };
}

test("a live node is alive; killed, it is dead at once: its turn is recovered on another node while its 60 s lease still runs", async (t) => {
  const { a, answerId, nodeA, count, tabOnB, turns } = await turnHungOnA(t);
  assert.equal(await lockHeld(nodeA), true);

  // A second tab on node B finds the turn's node alive: it does not take the turn, and keeps looking every second.
  const tab = await tabOnB();
  await new Promise((resolve) => setTimeout(resolve, 1500));
  assert.deepEqual(
    (await turns()).map((row) => [row.node_id, row.state]),
    [[nodeA, "running"]],
  );
  assert.equal(
    tab.received.some((frame) => frame.type === "stream_start"),
    false,
  );

  await a.kill();
  // Well under the lease: only the freed lock can have told node B that node A is dead.
  const reopened = await tab.until("stream_start", 20_000);
  assert.equal(reopened.message.id, answerId);
  assert.equal(reopened.message.recovered, true);
  assert.equal(await leaseRunning(nodeA), true);
  assert.equal(await lockHeld(nodeA), false);
  assert.equal((await tab.until("stream_end", 15_000)).content, WHOLE);
  await tab.until("task_end", 10_000);
  assert.deepEqual([count(1), count(2), count(3)], [1, 1, 1]);
  const [row] = await turns();
  assert.notEqual(row?.node_id, nodeA);
  assert.equal(row?.state, "done");
});

test("a node whose lock connection is cut stops its turn and lets it go; another node recovers it; the old owner writes nothing over it", async (t) => {
  const { a, dir, client, answerId, nodeA, count, tabOnB, turns } = await turnHungOnA(t);
  // The blip: node A's lock connection ends; its process lives.
  const { rows } = await db.query<{ done: boolean }>(
    "SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity WHERE application_name = $1",
    [`chatwire node ${nodeA}`],
  );
  assert.deepEqual(
    rows.map((row) => row.done),
    [true],
  );
  const error = await client.until("error", 10_000);
  assert.equal(error.code, "TURN_TAKEN_OVER");
  assert.equal(error.replyTo, "m1");
  // Its handler is aborted at once (not only at its next send), with why.
  assert.equal(await abortedWith(dir), "taken_over");
  await eventually(() => a.child.exitCode === null, 100);
  let row: TurnRow | undefined;
  for (let tries = 0; row?.node_id !== "" && tries < 200; tries++) {
    [row] = await turns();
    if (row?.node_id !== "") await new Promise((resolve) => setTimeout(resolve, 25));
  }
  assert.deepEqual([row?.node_id, row?.state], ["", "running"]);

  // Node B recovers it; node A takes its lock again and is alive again.
  const tab = await tabOnB();
  const reopened = await tab.until("stream_start", 20_000);
  assert.equal(reopened.message.id, answerId);
  assert.equal((await tab.until("stream_end", 15_000)).content, WHOLE);
  await tab.until("task_end", 10_000);
  const recovered = (await turns())[0];
  assert.deepEqual([recovered?.state, count(3)], ["done", 1]);
  for (let tries = 0; !(await lockHeld(nodeA)) && tries < 200; tries++)
    await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(await lockHeld(nodeA), true);

  // Node A's handler goes on: its next step is refused before it runs, and the record stays node B's.
  const seen = client.received.length;
  writeFileSync(join(dir, "go"), "");
  await client.until("task_end", 10_000);
  assert.equal(count(3), 1);
  assert.equal(
    client.received.slice(seen).some((frame) => frame.type === "stream_token" || frame.type === "step"),
    false,
  );
  assert.equal(client.received.filter((frame) => frame.type === "error").length, 1);
  assert.deepEqual(await turns(), [recovered]);
  const stored = await db.query<{ output: string }>("SELECT output FROM chatwire_steps WHERE id = $1", [answerId]);
  assert.equal(stored.rows[0]?.output, WHOLE);
});

test("a turn claimed by another node while its owner did not know: the owner stops it at its next heartbeat and writes nothing more", async (t) => {
  const { dir, client, count, turns } = await turnHungOnA(t);
  // As a node that took node A for dead would: the claim changes the turn's owner. Node A's lock never dropped.
  const [turn] = await turns();
  await db.query("UPDATE chatwire_turns SET node_id = 'elsewhere', state = 'recovered' WHERE id = $1", [turn?.id]);
  const claimed = await turns();
  const error = await client.until("error", 10_000);
  assert.equal(error.code, "TURN_TAKEN_OVER");
  assert.equal(await abortedWith(dir), "taken_over");

  const seen = client.received.length;
  writeFileSync(join(dir, "go"), "");
  await client.until("task_end", 10_000);
  assert.equal(count(3), 0);
  assert.equal(
    client.received.slice(seen).some((frame) => frame.type === "stream_token" || frame.type === "step"),
    false,
  );
  assert.deepEqual(await turns(), claimed);
});
