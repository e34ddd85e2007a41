// Following a thread across nodes (three node processes on one PostgreSQL): a turn run on node A streams live to
// the owner's tab on node B and to a read-only viewer of the thread's share on node C, each token once, in order.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { FollowedFrame, ServerFrame } from "chatwire/protocol";
import { connectClient, type TestClient } from "chatwire/testing";
import { logIn, startClusterNode } from "../support/cluster.ts";
import { eventually } from "../support/gateway.ts";
import { startPostgres, type TestPostgres } from "../support/postgres.ts";

let postgres: TestPostgres;
before(async () => {
  postgres = await startPostgres();
});
after(() => postgres?.stop());

type Welcomed = TestClient & { welcome: Extract<ServerFrame, { type: "welcome" }> };

async function open(port: number, headers: Record<string, string>, hello: object): Promise<Welcomed> {
  const client = await connectClient(`ws://127.0.0.1:${port}/ws`, { headers, hello: false });
  client.send(JSON.stringify({ type: "hello", protocol: 1, ...hello }));
  const welcome = await client.until("welcome", 5000);
  return Object.assign(client, { welcome });
}

const followed = (client: TestClient): FollowedFrame[] =>
  client.received.flatMap((frame) => (frame.type === "follow" ? [frame.frame] : []));
const tokens = (frames: readonly FollowedFrame[]) =>
  frames.flatMap((frame) => (frame.type === "stream_token" ? [frame.token] : [])).join("");
const counted = (n: number) => Array.from({ length: n }, (_, i) => `${i} `).join("");

test("a tab on node B and a viewer on node C follow a run on node A; B's own run is followed on A", async (t) => {
  const [a, b, c] = await Promise.all([0, 1, 2].map(() => startClusterNode(t, postgres.url)));
  assert.ok(a && b && c);
  const { headers } = await logIn(a.port, "ada");
  const one = await open(a.port, headers, {});
  one.send({ type: "user_message", id: "m0", content: "hi" });
  await one.until("task_end", 5000);
  const threadId = one.welcome.threadId;

  const two = await open(b.port, headers, { thread: { id: threadId } });
  await two.until("thread_history", 5000);
  const shared = await fetch(`http://127.0.0.1:${c.port}/threads/${threadId}/share`, { method: "PUT", headers });
  assert.equal(shared.status, 200);
  const { shareId } = (await shared.json()) as { shareId: string };
  const viewer = await open(c.port, headers, { view: { shareId } });
  assert.equal(viewer.welcome.view, true);
  await viewer.until("thread_history", 5000);
  t.after(() => Promise.all([one.close(), two.close(), viewer.close()]));

  one.send({ type: "user_message", id: "m1", content: "count 300" });
  for (const follower of [two, viewer]) {
    await eventually(() => followed(follower).some((frame) => frame.type === "task_end"), 10_000);
    const seen = followed(follower);
    assert.deepEqual(
      seen.map((frame) => frame.type).filter((type) => type !== "stream_token"),
      ["task_start", "message_new", "stream_start", "stream_end", "task_end"],
    );
    assert.equal(tokens(seen), counted(300), "every token once, in order, from another node");
  }
  await one.until("task_end", 5000);
  assert.equal(followed(one).length, 0);

  // The other way round: the tab on B runs a turn, the tab on A follows it (and the viewer on C too).
  two.send({ type: "user_message", id: "m2", content: "count 50" });
  await eventually(() => followed(one).some((frame) => frame.type === "task_end"), 10_000);
  assert.equal(tokens(followed(one)), counted(50));
  await eventually(() => followed(viewer).filter((frame) => frame.type === "task_end").length === 2, 10_000);
  assert.equal(tokens(followed(viewer)), counted(300) + counted(50));

  // The viewer cannot send, on any node.
  viewer.send({ type: "user_message", id: "v1", content: "count 5" });
  assert.equal((await viewer.until("error", 5000)).code, "VIEW_ONLY");

  // bob may not view ada's share (the fixture has no onSharedThreadView): refused like a missing share.
  const bob = await logIn(b.port, "bob");
  const refused = await connectClient(`ws://127.0.0.1:${b.port}/ws`, { headers: bob.headers, hello: false });
  refused.send(JSON.stringify({ type: "hello", protocol: 1, view: { shareId } }));
  assert.equal(await refused.closed, 4403);

  // Unsharing on node A closes the live view on node C at once.
  const unshared = await fetch(`http://127.0.0.1:${a.port}/threads/${threadId}/share`, { method: "DELETE", headers });
  assert.equal(unshared.status, 204);
  assert.equal(await viewer.closed, 4403);
});
