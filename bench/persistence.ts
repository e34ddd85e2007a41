// Persisted messages per second through the recorder, for SQLite (a temp file) and PostgreSQL (a throwaway cluster
// started here with fsync=on and synchronous_commit=on: durable, as in production).
// Run: node --import tsx bench/persistence.ts [seconds per case, default 3] [conversations, default 100]. It prints the PostgreSQL figure against
// issue 19's target (PASS/MISS) and the load average around the run; the last stdout line is JSON for the runner:
// {"sqlite": message_new/s, "postgres": message_new/s}.
// BENCH_PG_BATCHES=n sets the PostgreSQL layer's `batchesInFlight` (docs/persistence.md).
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import type { DataLayer } from "../lib/data/layer.ts";
import { createPostgresLayer } from "../lib/data/postgres.ts";
import { createRecorder } from "../lib/data/recorder.ts";
import { createSqliteLayer } from "../lib/data/sqlite.ts";
import type { MessageView } from "../lib/protocol/views.ts";
import { startPostgres } from "../spec/support/postgres.ts";
import { describeGoal } from "./runner/goals.ts";
import { serverCpuMs } from "./server-cpu.ts";

const seconds = Number(process.argv[2] ?? 3);
/** Conversations at once (the round-trip scenario's 100 connections). */
const THREADS = Number(process.argv[3] ?? 100);
const TOKENS_PER_STREAM = 20;

interface Row {
  readonly layer: string;
  readonly workload: string;
  readonly messages: number;
  readonly perSecond: number;
  /** CPU per message in µs: this process's, and (PostgreSQL) the server's. */
  readonly nodeUs: number;
  readonly serverUs?: number;
}

const message = (id: string): MessageView => ({
  id,
  role: "assistant",
  author: "Assistant",
  content: "",
  createdAt: new Date().toISOString(),
  actions: [],
});

/**
 * THREADS conversations at once, each as the gateway runs one: record a message (or a stream), then await the
 * flush of its thread that precedes task_end, then the next. The recorder may commit many conversations' writes in
 * one transaction; how many it manages is what this measures.
 */
async function measure(name: string, layer: DataLayer, streamed: boolean, serverCpu = () => 0): Promise<Row> {
  const recorder = createRecorder(layer, { maxQueue: 100_000, onError: (f) => console.error("lost", f) });
  const run = `${streamed ? "s" : "m"}${Date.now()}`;
  for (let t = 0; t < THREADS; t++) recorder.ensureThread({ id: `${run}-t${t}` });
  await recorder.flush();
  let count = 0;
  const cpuBefore = process.cpuUsage();
  const serverBefore = serverCpu();
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const conversation = async (threadId: string) => {
    while (performance.now() < deadline) {
      const id = `${run}-${count++}`;
      if (streamed) {
        recorder.record(threadId, { type: "stream_start", message: message(id) });
        for (let k = 0; k < TOKENS_PER_STREAM; k++)
          recorder.record(threadId, { type: "stream_token", id, token: "tok " });
        recorder.record(threadId, { type: "stream_end", id, content: "tok ".repeat(TOKENS_PER_STREAM) });
      } else {
        recorder.record(threadId, { type: "message_new", message: { ...message(id), content: `message ${count}` } });
      }
      await recorder.flush(threadId);
    }
  };
  await Promise.all(Array.from({ length: THREADS }, (_, t) => conversation(`${run}-t${t}`)));
  const elapsed = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const serverUsed = serverCpu() - serverBefore;
  const stats = recorder.stats();
  if (stats.failed + stats.dropped > 0) throw new Error(`${name}: ${stats.failed} failed, ${stats.dropped} dropped`);
  return {
    layer: name,
    workload: streamed ? `streamed (${TOKENS_PER_STREAM} tokens)` : "message_new",
    messages: count,
    perSecond: Math.round(count / elapsed),
    nodeUs: Math.round((cpu.user + cpu.system) / count),
    ...(name === "postgres" ? { serverUs: Math.round((serverUsed * 1000) / count) } : {}),
  };
}

/** What a durable cluster must say of itself, checked rather than assumed: the figure is only worth that. */
const DURABLE = { fsync: "on", synchronous_commit: "on", full_page_writes: "on" } as const;

async function checkDurable(url: string): Promise<void> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    for (const [name, want] of Object.entries(DURABLE)) {
      const { rows } = await client.query<Record<string, string>>(`SHOW ${name}`);
      const got = rows[0]?.[name];
      if (got !== want) throw new Error(`the benchmark's PostgreSQL runs with ${name}=${got}, not ${want}`);
    }
  } finally {
    await client.end();
  }
}

const load = () =>
  loadavg()
    .map((n) => n.toFixed(2))
    .join(" ");
const loadBefore = load();
const rows: Row[] = [];
const dir = mkdtempSync(join(tmpdir(), "chatwire-bench-"));
const sqlite = createSqliteLayer({ path: join(dir, "bench.db") });
await sqlite.migrate();
rows.push(await measure("sqlite", sqlite, false), await measure("sqlite", sqlite, true));
await sqlite.close();
rmSync(dir, { recursive: true, force: true });

const server = await startPostgres(60_000, { durable: true });
try {
  await checkDurable(server.url);
  const batchesInFlight =
    process.env.BENCH_PG_BATCHES === undefined ? {} : { batchesInFlight: Number(process.env.BENCH_PG_BATCHES) };
  const postgres = createPostgresLayer({ connectionString: server.url, ...batchesInFlight });
  await postgres.migrate();
  const port = Number(new URL(server.url).port);
  const cpu = () => serverCpuMs(port) ?? Number.NaN;
  rows.push(await measure("postgres", postgres, false, cpu), await measure("postgres", postgres, true, cpu));
  await postgres.close();
} finally {
  await server.stop();
}

console.log(
  `persisted messages/s through the recorder (${THREADS} conversations at once, each awaiting its flush; ` +
    "PostgreSQL with fsync=on, synchronous_commit=on)",
);
console.table(rows);
const rate = (layer: string) => rows.find((row) => row.layer === layer && row.workload === "message_new")?.perSecond;
const postgresRate = rate("postgres") ?? 0;
const target = 20_000;
console.log(
  describeGoal({
    goal: `PostgreSQL: >= 20,000 persisted messages/s, ${Object.entries(DURABLE)
      .map(([name, value]) => `${name}=${value}`)
      .join(", ")}`,
    value: postgresRate,
    limit: target,
    unit: "/s",
    pass: postgresRate >= target,
    runs: [],
  }),
);
console.log(`load average (1, 5, 15 min): ${loadBefore} before, ${load()} after`);
console.log(JSON.stringify({ sqlite: rate("sqlite"), postgres: rate("postgres") }));
