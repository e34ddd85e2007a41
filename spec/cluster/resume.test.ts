// Three nodes behind a round-robin proxy with no affinity: a client streaming 10,000 tokens loses its socket at
// random points, and each resume lands wherever the proxy sends it (the holder, or a node relaying to it).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { ServerFrame } from "chatwire/protocol";
import { connectClient } from "chatwire/testing";
import { logIn, startClusterNode, startProxy } from "../support/cluster.ts";
import { eventually } from "../support/gateway.ts";
import { startPostgres, type TestPostgres } from "../support/postgres.ts";

let postgres: TestPostgres;
before(async () => {
  postgres = await startPostgres();
});
after(() => postgres?.stop());

const TOKENS = 10_000;

test("a stream of 10,000 tokens cut at random points arrives exactly once, in order, across three nodes", async (t) => {
  const nodes = await Promise.all([0, 1, 2].map(() => startClusterNode(t, postgres.url)));
  const proxy = await startProxy(
    t,
    nodes.map((node) => node.port),
  );
  const { headers } = await logIn(nodes[0]?.port ?? 0, "ada");
  const url = `ws://127.0.0.1:${proxy.port}/ws`;

  let client = await connectClient(url, { headers });
  const { sessionId, resumeToken } = client.welcome ?? assert.fail("no welcome");
  const frames: ServerFrame[] = [];
  const tokensIn = (list: readonly ServerFrame[]) => list.filter((frame) => frame.type === "stream_token").length;
  const ended = (list: readonly ServerFrame[]) => list.some((frame) => frame.type === "stream_end");
  client.send({ type: "user_message", id: "m1", content: `count ${TOKENS}` });

  // Five cuts at random token counts; after each, a resume through the proxy from the last seq received.
  const cuts = Array.from({ length: 5 }, () => 200 + Math.floor(Math.random() * (TOKENS - 400))).sort((a, b) => a - b);
  let resumed = 0;
  for (const cut of cuts) {
    await eventually(() => tokensIn(frames) + tokensIn(client.received) >= cut || ended(client.received), 20_000);
    if (ended(client.received)) break;
    await client.drop();
    frames.push(...client.received.filter((frame) => frame.seq > 0));
    client = await connectClient(url, { headers, resume: { sessionId, resumeToken, lastSeq: client.lastSeq } });
    assert.equal(client.welcome?.resumed, true, "the session was resumed, not replaced");
    resumed++;
  }
  await client.until("stream_end", 20_000);
  await client.until("task_end", 5000);
  await client.close();
  frames.push(...client.received.filter((frame) => frame.seq > 0));

  // Every session frame once: seqs run 1, 2, 3, … with no gap and no repeat across all the connections.
  assert.deepEqual(
    frames.map((frame) => frame.seq),
    frames.map((_, index) => index + 1),
  );
  // Tokens held while no socket was there coalesce into one frame (lib/session/outbox.ts): the text is what counts.
  const expected = Array.from({ length: TOKENS }, (_, index) => `${index} `).join("");
  const streamed = frames.flatMap((frame) => (frame.type === "stream_token" ? [frame.token] : [])).join("");
  assert.equal(streamed.length, expected.length);
  assert.ok(streamed === expected, "every token once, in order");
  const end = frames.find((frame) => frame.type === "stream_end");
  assert.equal(end?.type === "stream_end" ? end.content : undefined, expected);
  assert.ok(resumed >= 1, "at least one cut fell inside the stream");
  // Round robin: the next connection lands on another node than the holder (the first one's), so it was relayed.
  const holder = proxy.landed[0];
  assert.ok(proxy.landed.slice(1).some((index) => index !== holder));
});
