// Round trips of a session resumed on its own node vs on another node (relayed to the holder over PostgreSQL's
// LISTEN/NOTIFY), on loopback: latency percentiles, CPU of both node processes per round trip, and the time to
// stream 10,000 tokens. Two nodes of spec/fixtures/cluster-node.ts (the built package: `npm run build` first) on a
// throwaway PostgreSQL with fsync and synchronous_commit on, as in production.
// Run: node --import tsx bench/cluster.ts [round trips per case, default 2000]. The last stdout line is JSON.
import { readFileSync } from "node:fs";
import { connectClient, type TestClient } from "chatwire/testing";
import { logIn, startClusterNode } from "../spec/support/cluster.ts";
import { startPostgres } from "../spec/support/postgres.ts";

const ROUND_TRIPS = Number(process.argv[2] ?? 2000);
const TOKENS = 10_000;
const TICKS_PER_SECOND = 100;

const cleanups: (() => unknown)[] = [];
const scope = { after: (fn: () => unknown) => void cleanups.push(fn) };

/** CPU seconds (user + system) a process has used so far, from /proc. */
const cpuSeconds = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
};

const percentile = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;

interface Row {
  readonly case: string;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly cpuMicrosPerRoundTrip: number;
  readonly streamMs: number;
}

async function measure(name: string, client: TestClient, pids: readonly number[]): Promise<Row> {
  const cpu = () => pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  const latencies: number[] = [];
  for (let i = 0; i < 100; i++) {
    client.send({ type: "user_message", id: `w${name}${i}`, content: "warm" });
    await client.until("task_end", 5000);
  }
  const cpuBefore = cpu();
  for (let i = 0; i < ROUND_TRIPS; i++) {
    const started = performance.now();
    client.send({ type: "user_message", id: `m${name}${i}`, content: `ping ${i}` });
    await client.until("task_end", 5000);
    latencies.push(performance.now() - started);
  }
  const cpuUsed = cpu() - cpuBefore;
  const streamStarted = performance.now();
  client.send({ type: "user_message", id: `s${name}`, content: `count ${TOKENS}` });
  await client.until("stream_end", 60_000);
  const streamMs = performance.now() - streamStarted;
  await client.until("task_end", 5000);
  latencies.sort((a, b) => a - b);
  return {
    case: name,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    cpuMicrosPerRoundTrip: (cpuUsed / ROUND_TRIPS) * 1e6,
    streamMs,
  };
}

try {
  const postgres = await startPostgres(60_000, { durable: true });
  cleanups.push(() => postgres.stop());
  const [a, b] = await Promise.all([startClusterNode(scope, postgres.url), startClusterNode(scope, postgres.url)]);
  if (a === undefined || b === undefined) throw new Error("nodes did not start");
  const pids = [a.child.pid ?? 0, b.child.pid ?? 0];
  const { headers } = await logIn(a.port, "ada");
  const onA = await connectClient(`ws://127.0.0.1:${a.port}/ws`, { headers });
  const same = await measure("same node", onA, pids);
  const welcome = onA.welcome;
  if (welcome === undefined) throw new Error("no welcome");
  await onA.drop();
  const onB = await connectClient(`ws://127.0.0.1:${b.port}/ws`, {
    headers,
    resume: { sessionId: welcome.sessionId, resumeToken: welcome.resumeToken, lastSeq: onA.lastSeq },
  });
  if (onB.welcome?.resumed !== true) throw new Error("the resume on B was not relayed");
  const relayed = await measure("relayed", onB, pids);
  await onB.close();
  const rows = [same, relayed];
  console.log(`${ROUND_TRIPS} round trips per case (user_message -> echo -> task_end), ${TOKENS} tokens streamed:`);
  console.log("case       | p50 ms | p99 ms | CPU us/round trip (both nodes) | 10,000 tokens ms");
  for (const row of rows) {
    console.log(
      `${row.case.padEnd(10)} | ${row.p50Ms.toFixed(2).padStart(6)} | ${row.p99Ms.toFixed(2).padStart(6)} | ` +
        `${row.cpuMicrosPerRoundTrip.toFixed(0).padStart(30)} | ${row.streamMs.toFixed(0).padStart(16)}`,
    );
  }
  console.log(JSON.stringify({ cluster: rows }));
} finally {
  for (const cleanup of cleanups.reverse()) await cleanup();
}
