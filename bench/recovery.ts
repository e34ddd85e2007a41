// How long a durable turn's user waits after its node dies (issue 25): kill -9 the process running a turn after 2 of
// its 3 steps, and time the first recovered token the client sees.
// - cluster: two nodes of spec/fixtures/durable-cluster-node.ts on a throwaway PostgreSQL (fsync on), with the
//   default lease (cluster.leaseMs 3000, heartbeatMs 1000); the client reconnects to the other node at once, which
//   takes the turn over once the dead node's lease has run out. Timed from the kill.
// - one node: spec/fixtures/durable-app.ts on a SQLite file, started again after the kill; the client reconnects as
//   soon as it listens. Timed from the kill, the new process's start-up included.
// Each case: the recovered answer's stream_start (`recovered: true`) and its first new token.
// Run: node --import tsx bench/recovery.ts [repetitions, default 5] (the built package: `npm run build` first).
// The last stdout line is JSON.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { connectClient, type TestClient } from "chatwire/testing";
import { logIn, startClusterNode } from "../spec/support/cluster.ts";
import { startPostgres } from "../spec/support/postgres.ts";
import { typescriptLoader } from "../spec/support/process.ts";

const REPETITIONS = Number(process.argv[2] ?? 5);
const DEFAULT_LEASE = { CLUSTER_LEASE_MS: "3000", CLUSTER_HEARTBEAT_MS: "1000" };

type Cleanup = () => unknown;
type Connected = Awaited<ReturnType<typeof connectClient>>;

/** Runs `run` with its own cleanups, undone in reverse order once it is done. */
async function scoped<T>(run: (scope: { after(fn: Cleanup): void }) => Promise<T>): Promise<T> {
  const cleanups: Cleanup[] = [];
  try {
    return await run({ after: (fn) => void cleanups.push(fn) });
  } finally {
    for (const fn of cleanups.reverse()) await fn();
  }
}

/** The text a client was shown of message `id`'s stream. */
function streamed(client: TestClient, id: string): string {
  let content = "";
  for (const frame of client.received) {
    if (frame.type === "stream_start" && frame.message.id === id) content = frame.message.content;
    if (frame.type === "stream_token" && frame.id === id)
      content = frame.replace === true ? frame.token : content + frame.token;
  }
  return content;
}

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** Sends a turn and waits until its answer has shown two of its three steps' tokens. */
async function turnAtStepTwo(client: TestClient): Promise<string> {
  client.send({ type: "user_message", id: "m1", content: "three steps, please" });
  const answerId = (await client.until("stream_start", 10_000)).message.id;
  await until(() => streamed(client, answerId) === "result 1. result 2. ", 10_000, "two steps");
  return answerId;
}

/** Reopens the thread from `url` as the client's reconnect does; ms from `killedAt` to the recovered stream_start
 * and to its first token. */
async function recoveredAfter(url: string, client: Connected, killedAt: number, headers = {}) {
  const welcome = client.welcome ?? assert("no welcome");
  const again = await connectClient(url, { headers, hello: false });
  try {
    again.send({
      type: "hello",
      protocol: 1,
      resume: { sessionId: welcome.sessionId, resumeToken: welcome.resumeToken, lastSeq: client.lastSeq },
      thread: { id: welcome.threadId, ...(welcome.threadSecret ? { secret: welcome.threadSecret } : {}) },
    });
    const start = await again.until("stream_start", 30_000);
    if (start.message.recovered !== true) throw new Error("the answer did not come back as recovered");
    const startMs = performance.now() - killedAt;
    await again.until("stream_token", 30_000);
    const tokenMs = performance.now() - killedAt;
    const end = await again.until("stream_end", 30_000);
    if (end.content !== "result 1. result 2. result 3. ") throw new Error(`a wrong answer: ${end.content}`);
    return { startMs, tokenMs };
  } finally {
    await again.close();
  }
}

function assert(message: string): never {
  throw new Error(message);
}

async function clusterCase(databaseUrl: string) {
  return scoped(async (scope) => {
    const dir = mkdtempSync(join(tmpdir(), "chatwire-bench-recovery-"));
    scope.after(() => rmSync(dir, { recursive: true, force: true }));
    const env = { COUNTER_DIR: dir, ...DEFAULT_LEASE };
    const fixture = "spec/fixtures/durable-cluster-node.ts";
    const [holder, other] = await Promise.all([0, 1].map(() => startClusterNode(scope, databaseUrl, env, fixture)));
    if (holder === undefined || other === undefined) return assert("no nodes");
    const { headers } = await logIn(holder.port, "ada");
    const client = await connectClient(`ws://127.0.0.1:${holder.port}/ws`, { headers });
    scope.after(() => client.close());
    await turnAtStepTwo(client);
    await holder.kill();
    return recoveredAfter(`ws://127.0.0.1:${other.port}/ws`, client, performance.now(), headers);
  });
}

/** One node on SQLite: the app process, and its port once it listens. */
async function startSqliteApp(scope: { after(fn: Cleanup): void }, env: Record<string, string>) {
  const child: ChildProcess = spawn(process.execPath, [...typescriptLoader, resolve("spec/fixtures/durable-app.ts")], {
    env: { ...process.env, DATABASE_URL: undefined, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  const kill = async () => {
    child.kill("SIGKILL");
    await exited;
  };
  scope.after(kill);
  let output = "";
  for (const stream of [child.stdout, child.stderr]) stream?.on("data", (chunk) => (output += String(chunk)));
  const listening = /listening at http:\/\/127\.0\.0\.1:(\d+)/;
  await until(() => listening.test(output) || child.exitCode !== null, 30_000, "the app to listen");
  const port = Number(listening.exec(output)?.[1]);
  if (!port) return assert(`the app did not start:\n${output}`);
  return { url: `ws://127.0.0.1:${port}/ws`, kill };
}

async function restartCase() {
  return scoped(async (scope) => {
    const dir = mkdtempSync(join(tmpdir(), "chatwire-bench-restart-"));
    scope.after(() => rmSync(dir, { recursive: true, force: true }));
    const env = { DATA_PATH: join(dir, "chatwire.db"), COUNTER_DIR: dir };
    const first = await startSqliteApp(scope, { ...env, HANG_AFTER_STEP_2: "1" });
    const client = await connectClient(first.url);
    scope.after(() => client.close());
    await turnAtStepTwo(client);
    await first.kill();
    const killedAt = performance.now();
    const second = await startSqliteApp(scope, env);
    const listeningMs = performance.now() - killedAt;
    return { ...(await recoveredAfter(second.url, client, killedAt)), listeningMs };
  });
}

const percentile = (values: readonly number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? Number.NaN;
};
const ms = (v: number) => `${v.toFixed(0)} ms`;

const postgres = await startPostgres(60_000, { durable: true });
const cluster: { startMs: number; tokenMs: number }[] = [];
const restart: { startMs: number; tokenMs: number; listeningMs: number }[] = [];
try {
  // Interleaved, so that both cases share the machine's state.
  for (let i = 0; i < REPETITIONS; i++) {
    cluster.push(await clusterCase(postgres.url));
    restart.push(await restartCase());
  }
} finally {
  await postgres.stop();
}

const rows = [
  ["cluster: kill -9 -> recovered stream_start", cluster.map((r) => r.startMs)],
  ["cluster: kill -9 -> first recovered token", cluster.map((r) => r.tokenMs)],
  ["one node: kill -9 -> restarted process listening", restart.map((r) => r.listeningMs)],
  ["one node: kill -9 -> recovered stream_start", restart.map((r) => r.startMs)],
  ["one node: kill -9 -> first recovered token", restart.map((r) => r.tokenMs)],
] as const;
console.log(`${REPETITIONS} repetitions, default lease (3000 ms, heartbeat 1000 ms):`);
console.log("| case | p50 | p99 | runs |\n| --- | ---: | ---: | --- |");
for (const [name, values] of rows) {
  console.log(
    `| ${name} | ${ms(percentile(values, 0.5))} | ${ms(percentile(values, 0.99))} | ${values.map(ms).join(" ")} |`,
  );
}
const tokens = (values: readonly { tokenMs: number }[]) => values.map((r) => r.tokenMs);
console.log(
  JSON.stringify({
    clusterP50: percentile(tokens(cluster), 0.5),
    clusterP99: percentile(tokens(cluster), 0.99),
    restartP50: percentile(tokens(restart), 0.5),
    restartP99: percentile(tokens(restart), 0.99),
  }),
);
