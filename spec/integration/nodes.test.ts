// Real processes: a conversation moves between two nodes sharing PostgreSQL, and survives kill -9 on SQLite.
import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { createSqliteLayer } from "../../lib/data/sqlite.ts";
import { connectClient } from "../../lib/testing/index.ts";
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

  // The store is saved when the session ends on A; node B's own HTTP route shows when it is there.
  const saved = async () => {
    const reply = await fetch(`http://127.0.0.1:${nodeB.port}/threads/${id}`, {
      headers: { "x-chatwire-thread-secret": secret },
    });
    const body = (await reply.json()) as { metadata?: { chatwireSession?: { notes?: string[] } } };
    return body.metadata?.chatwireSession?.notes?.length === 2;
  };
  for (let i = 0; i < 100 && !(await saved()); i++) await pause(50);

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
