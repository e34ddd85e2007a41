// Real processes: a conversation moves between two nodes sharing PostgreSQL, and survives kill -9 on SQLite and on
// PostgreSQL.
import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import Database from "better-sqlite3";
import { createSqliteLayer } from "chatwire";
import { connectClient } from "chatwire/testing";
import { createPostgresLayer } from "../../lib/data/postgres.ts";
import { pause } from "../support/gateway.ts";
import { startPostgres, type TestPostgres } from "../support/postgres.ts";
import { startGatewayProcess } from "../support/process.ts";

let postgres: TestPostgres;
before(async () => {
  postgres = await startPostgres();
});
after(() => postgres?.stop());

test("a conversation started on node A resumes on node B with its history and session store", async (t) => {
  const env = { DATABASE_URL: postgres.url };
  const [nodeA, nodeB] = await Promise.all([
    startGatewayProcess(t, "spec/fixtures/notes-app.ts", { env: { ...env, NODE_NAME: "A" } }),
    startGatewayProcess(t, "spec/fixtures/notes-app.ts", { env: { ...env, NODE_NAME: "B" } }),
  ]);
  assert.notEqual(nodeA.port, nodeB.port);

  const onA = await connectClient(`ws://127.0.0.1:${nodeA.port}/ws`);
  const id = onA.welcome?.threadId ?? "";
  const secret = onA.welcome?.threadSecret ?? "";
  for (const note of ["milk", "eggs"]) {
    onA.send({ type: "user_message", id: note, content: note });
    assert.match((await onA.until("message_new")).message.content, /^noted \d on A$/);
    await onA.until("task_end");
  }
  await onA.close();

  // The store is saved when the session ends on A; the shared database shows when it is there.
  const layer = createPostgresLayer({ connectionString: postgres.url });
  t.after(() => layer.close());
  const saved = async () => {
    const metadata = (await layer.getThread(id))?.metadata as { chatwireSession?: { notes?: string[] } } | undefined;
    return metadata?.chatwireSession?.notes?.length === 2;
  };
  for (let i = 0; i < 100 && !(await saved()); i++) await pause(50);
  assert.ok(await saved());
  // Node B's own HTTP route serves the thread to its owner (the secret's holder), without the saved store.
  const reply = await fetch(`http://127.0.0.1:${nodeB.port}/threads/${id}`, {
    headers: { "x-chatwire-thread-secret": secret },
  });
  assert.equal(reply.status, 200);
  assert.deepEqual(((await reply.json()) as { metadata: unknown }).metadata, {});

  const onB = await connectClient(`ws://127.0.0.1:${nodeB.port}/ws`, { hello: false });
  onB.send({ type: "hello", protocol: 1, thread: { id, secret } });
  assert.equal((await onB.until("welcome")).threadId, id);
  const history = await onB.until("thread_history");
  assert.deepEqual(
    history.steps.map((s) => (s.kind === "message" ? s.content : s.name)),
    ["milk", "noted 1 on A", "eggs", "noted 2 on A"],
  );
  assert.equal((await onB.until("message_new")).message.content, "resumed on B with milk,eggs (4 steps)");
  onB.send({ type: "user_message", id: "bread", content: "bread" });
  assert.equal((await onB.until("message_new")).message.content, "noted 3 on B");
  await onB.close();
});

test("kill -9 loses nothing the client saw acknowledged by task_end (SQLite default)", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "chatwire-kill-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const node = await startGatewayProcess(t, "spec/fixtures/notes-app.ts", { cwd: dir, env: { DATABASE_URL: "" } });
  const client = await connectClient(`ws://127.0.0.1:${node.port}/ws`);
  const acknowledged: string[] = [];
  for (let i = 1; i <= 20; i++) {
    client.send({ type: "user_message", id: `m${i}`, content: `note ${i}` });
    await client.until("task_end");
    acknowledged.push(`note ${i}`, `noted ${i} on ?`);
  }
  const exited = once(node.child, "exit");
  node.child.kill("SIGKILL");
  await exited;
  await client.closed;

  const layer = createSqliteLayer({ path: join(dir, ".chatwire", "chatwire.db") });
  await layer.migrate();
  t.after(() => layer.close());
  const thread = await layer.loadThread(client.welcome?.threadId ?? "");
  const stored = thread?.steps.map((s) => (s.kind === "message" ? s.content : s.name)) ?? [];
  assert.deepEqual(stored.slice(0, acknowledged.length), acknowledged);
});

test("kill -9 loses nothing the client saw acknowledged by task_end (PostgreSQL, batched writes)", async (t) => {
  // Three conversations at once, so that their writes share batches (one SQL text each) when the node is killed.
  const node = await startGatewayProcess(t, "spec/fixtures/notes-app.ts", { env: { DATABASE_URL: postgres.url } });
  const clients = await Promise.all([1, 2, 3].map(() => connectClient(`ws://127.0.0.1:${node.port}/ws`)));
  const acknowledged = clients.map((): string[] => []);
  await Promise.all(
    clients.map(async (client, c) => {
      for (let i = 1; i <= 15; i++) {
        client.send({ type: "user_message", id: `c${c}m${i}`, content: `note ${c}.${i} 'quoted' \\ back` });
        await client.until("task_end");
        acknowledged[c]?.push(`note ${c}.${i} 'quoted' \\ back`, `noted ${i} on ?`);
      }
    }),
  );
  const exited = once(node.child, "exit");
  node.child.kill("SIGKILL");
  await exited;
  await Promise.all(clients.map((client) => client.closed));

  const layer = createPostgresLayer({ connectionString: postgres.url });
  t.after(() => layer.close());
  for (const [c, client] of clients.entries()) {
    const thread = await layer.loadThread(client.welcome?.threadId ?? "");
    const stored = thread?.steps.map((s) => (s.kind === "message" ? s.content : s.name)) ?? [];
    assert.deepEqual(stored.slice(0, acknowledged[c]?.length), acknowledged[c]);
  }
});

test("feedback_saved waits for the commit: a locked database holds it back, and kill -9 right after loses nothing", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "chatwire-feedback-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const node = await startGatewayProcess(t, "spec/fixtures/notes-app.ts", { cwd: dir, env: { DATABASE_URL: "" } });
  const client = await connectClient(`ws://127.0.0.1:${node.port}/ws`);
  client.send({ type: "user_message", id: "m1", content: "rate the answer" });
  const reply = await client.until("message_new");
  await client.until("task_end");

  // Another process takes the write lock: the gateway's commit of the feedback waits for it (busy_timeout).
  const path = join(dir, ".chatwire", "chatwire.db");
  const blocker = new Database(path);
  t.after(() => blocker.close());
  blocker.exec("BEGIN IMMEDIATE");
  client.send({ type: "feedback", id: "f1", messageId: reply.message.id, value: 0, comment: "too short" });
  await pause(400);
  assert.ok(!client.received.some((frame) => frame.type === "feedback_saved"), "not acknowledged before the commit");
  blocker.exec("COMMIT");

  const saved = await client.until("feedback_saved", 5000);
  const exited = once(node.child, "exit");
  node.child.kill("SIGKILL");
  await exited;
  await client.closed;
  const rows = blocker.prepare("SELECT id, for_id, value, comment FROM chatwire_feedbacks").all();
  assert.deepEqual(rows, [{ id: saved.feedbackId, for_id: reply.message.id, value: 0, comment: "too short" }]);
});
