// What the durable-turn tests (spec/durable/) share: what a client was shown of a stream, the client that comes
// back after its node died, and a cluster of fixture nodes behind a load balancer.
import assert from "node:assert/strict";
import type { TestContext } from "node:test";
import { connectClient, type TestClient } from "chatwire/testing";
import type { ServerFrameOf } from "../../lib/protocol/server.ts";
import { type ClusterNodeProcess, logIn, type RoundRobinProxy, startClusterNode, startProxy } from "./cluster.ts";

/** What a client was shown of one message's stream from frame `from` on: its start, then every token as the client
 * applies them. */
export function streamed(client: TestClient, id: string, from = 0): string {
  let content = "";
  for (const frame of client.received.slice(from)) {
    if (frame.type === "stream_start" && frame.message.id === id) content = frame.message.content;
    if (frame.type === "stream_token" && frame.id === id)
      content = frame.replace === true ? frame.token : content + frame.token;
  }
  return content;
}

/** A client back on `url` after its node died: its resume (from `welcome` and `lastSeq`) is refused as `expired`,
 * and the stored thread reopens instead. `at` is where the history stands in what `again` received. */
export async function comeBack(
  url: string,
  welcome: ServerFrameOf<"welcome">,
  lastSeq: number,
  headers?: Record<string, string>,
): Promise<{ again: TestClient; history: ServerFrameOf<"thread_history">; at: number }> {
  const again = await connectClient(url, { ...(headers === undefined ? {} : { headers }), hello: false });
  again.send({
    type: "hello",
    protocol: 1,
    resume: { sessionId: welcome.sessionId, resumeToken: welcome.resumeToken, lastSeq },
    thread: { id: welcome.threadId, ...(welcome.threadSecret ? { secret: welcome.threadSecret } : {}) },
  });
  assert.equal((await again.until("resume_failed", 10_000)).reason, "expired");
  const history = await again.until("thread_history", 10_000);
  return { again, history, at: again.received.indexOf(history) };
}

/** Three nodes of the app `fixture` on `databaseUrl` behind a round-robin proxy, with a short lease so a dead
 * node's turns are taken over soon; `headers` are ada's login, `url` the proxy's WebSocket endpoint. */
export async function startDurableCluster(
  t: TestContext,
  databaseUrl: string,
  fixture: string,
  env: Record<string, string>,
): Promise<{ nodes: ClusterNodeProcess[]; proxy: RoundRobinProxy; headers: Record<string, string>; url: string }> {
  const leased = { ...env, CLUSTER_LEASE_MS: "2000", CLUSTER_HEARTBEAT_MS: "500" };
  const nodes = await Promise.all([0, 1, 2].map(() => startClusterNode(t, databaseUrl, leased, fixture)));
  const proxy = await startProxy(
    t,
    nodes.map((node) => node.port),
  );
  const { headers } = await logIn(nodes[0]?.port ?? 0, "ada");
  return { nodes, proxy, headers, url: `ws://127.0.0.1:${proxy.port}/ws` };
}
