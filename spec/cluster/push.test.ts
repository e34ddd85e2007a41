// Push to a thread from any node: to its live session on another node, or into the stored thread when it has none.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { connectClient } from "chatwire/testing";
import pg from "pg";
import { logIn, startClusterNode } from "../support/cluster.ts";
import { pause } from "../support/gateway.ts";
import { startPostgres, type TestPostgres } from "../support/postgres.ts";

let postgres: TestPostgres;
before(async () => {
  postgres = await startPostgres();
});
after(() => postgres?.stop());

const push = async (port: number, threadId: string, content: string) => {
  const reply = await fetch(`http://127.0.0.1:${port}/push`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ threadId, content }),
  });
  return ((await reply.json()) as { result?: string; code?: string }).result;
};

test("a push from node C reaches the live session on node A, and a thread with none stores it", async (t) => {
  const [a, b, c] = await Promise.all([0, 1, 2].map(() => startClusterNode(t, postgres.url)));
  assert.ok(a && b && c);
  const { headers } = await logIn(a.port, "ada");
  const onA = await connectClient(`ws://127.0.0.1:${a.port}/ws`, { headers });
  const threadId = onA.welcome?.threadId ?? assert.fail("no welcome");
  onA.send({ type: "user_message", id: "m1", content: "hi" });
  assert.equal((await onA.until("message_new")).message.content, "echo: hi");
  await onA.until("task_end");

  assert.equal(await push(c.port, threadId, "pushed from C"), "delivered");
  assert.equal((await onA.until("message_new", 5000)).message.content, "pushed from C");

  // Relayed: the client moves to B while the session stays on A. Its stop reaches the task on A, and a push too
  // large for one NOTIFY (chunked on the bus) reaches the client on B.
  const { sessionId, resumeToken } = onA.welcome ?? assert.fail("no welcome");
  await onA.drop();
  const onB = await connectClient(`ws://127.0.0.1:${b.port}/ws`, {
    headers,
    resume: { sessionId, resumeToken, lastSeq: onA.lastSeq },
  });
  assert.equal(onB.welcome?.resumed, true);
  onB.send({ type: "user_message", id: "m2", content: "count 100000000" });
  await onB.until("stream_token", 5000);
  onB.send({ type: "stop" });
  assert.equal((await onB.until("task_end", 5000)).aborted, true);
  const large = "é".repeat(20_000);
  assert.equal(await push(c.port, threadId, large), "delivered");
  assert.equal((await onB.until("message_new", 5000)).message.content, large);

  // Ended (close 1000): the directory lets the thread go, and the next push is stored with the thread.
  await onB.close();
  const db = new pg.Client({ connectionString: postgres.url });
  await db.connect();
  t.after(() => db.end());
  const listed = async () =>
    (await db.query("SELECT 1 FROM chatwire_cluster_sessions WHERE thread_id = $1", [threadId])).rowCount ?? 0;
  for (let i = 0; i < 100 && (await listed()) > 0; i++) await pause(20);
  assert.equal(await listed(), 0);
  assert.equal(await push(c.port, threadId, "stored by C"), "stored");

  // Reopened on node B: the stored push is in the history, after the conversation it was pushed to.
  const reopened = await connectClient(`ws://127.0.0.1:${b.port}/ws`, { headers, hello: false });
  reopened.send({ type: "hello", protocol: 1, thread: { id: threadId } });
  assert.equal((await reopened.until("welcome")).threadId, threadId);
  const history = await reopened.until("thread_history");
  const contents = history.steps.flatMap((entry) => (entry.kind === "message" ? [entry.content] : []));
  assert.deepEqual(
    contents.filter((content) => !content.startsWith("0 ")),
    ["hi", "echo: hi", "pushed from C", "count 100000000", large, "stored by C"],
  );
  await reopened.close();
});
