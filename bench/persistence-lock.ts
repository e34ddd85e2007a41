// The event loop while another process holds SQLite's write lock: a real gateway on a SQLite file, a child process
// holding `BEGIN IMMEDIATE` for LOCK_MS, one session writing all along and a bystander doing round trips.
// Prints the event-loop delay (monitorEventLoopDelay) during the lock, the bystander's reply times, and what was
// acknowledged and lost. Run: node --import tsx bench/persistence-lock.ts [lock seconds, default 10]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import Fastify from "fastify";
import { createSqliteLayer } from "../lib/data/sqlite.ts";
import { chatwire } from "../lib/gateway/plugin.ts";
import { createApp } from "../lib/hooks/registrars.ts";
import type { ServerFrame } from "../lib/protocol/server.ts";
import { connectClient, type TestClient } from "../lib/testing/index.ts";
import { holdSqliteLock } from "../spec/support/sqlite-lock.ts";

const LOCK_MS = Number(process.argv[2] ?? 10) * 1000;
const WRITER_EVERY_MS = 50;
/** The bystander's pause between a reply and its next message: a lively chat, not a flood. */
const BYSTANDER_PAUSE_MS = 20;

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const quantile = (sorted: readonly number[], q: number) => sorted[Math.floor(q * (sorted.length - 1))] ?? Number.NaN;
const ms = (ns: number) => Math.round(ns / 1e4) / 100;

/** User messages of `client` whose task_end came with no PERSISTENCE_FAILED since the previous task_end. */
function acknowledged(frames: readonly ServerFrame[], sent: readonly string[]): { ok: string[]; failed: number } {
  const ok: string[] = [];
  let failed = 0;
  let task = 0;
  let error = false;
  for (const frame of frames) {
    if (frame.type === "error" && frame.code === "PERSISTENCE_FAILED") {
      error = true;
      failed++;
    }
    if (frame.type !== "task_end") continue;
    const id = sent[task++];
    if (!error && id !== undefined) ok.push(id);
    error = false;
  }
  return { ok, failed };
}

const dir = mkdtempSync(join(tmpdir(), "chatwire-lock-"));
const path = join(dir, "chatwire.db");
const layer = createSqliteLayer({ path });
await layer.migrate();
const chat = createApp();
chat.onMessage(async (ctx, message) => {
  await ctx.send(`echo ${message.content}`);
});
const server = Fastify({ logger: false });
await server.register(chatwire, { hooks: chat.seal(), data: layer, maxFramesPerSecond: 0 });
await server.listen({ host: "127.0.0.1", port: 0 });

const writer = await connectClient(server);
const bystander = await connectClient(server);
const sent = new Map<TestClient, string[]>([
  [writer, []],
  [bystander, []],
]);
const say = (client: TestClient, id: string) => {
  sent.get(client)?.push(id);
  client.send({ type: "user_message", id, content: id });
};
// Both threads exist before the lock: what is measured is writing into them, not creating them.
say(writer, "w0");
say(bystander, "b0");
await writer.until("task_end", 5000);
await bystander.until("task_end", 5000);

const delay = monitorEventLoopDelay({ resolution: 1 });
const lock = await holdSqliteLock(path, LOCK_MS + 60_000);
const lockedAt = performance.now();
delay.enable();
let writing = true;
const writes = (async () => {
  for (let i = 1; writing; i++) {
    say(writer, `w${i}`);
    await pause(WRITER_EVERY_MS);
  }
})();
const replies: number[] = [];
for (let i = 1; performance.now() - lockedAt < LOCK_MS; i++) {
  const started = performance.now();
  say(bystander, `b${i}`);
  // A reply that waited out the whole lock is still a sample: the time it took is the point.
  await bystander.until("message_new", LOCK_MS + 60_000);
  replies.push(performance.now() - started);
  await pause(BYSTANDER_PAUSE_MS);
}
delay.disable();
const lockHeldMs = performance.now() - lockedAt;
writing = false;
await writes;
await lock.release();

// Every task ends (stored, or PERSISTENCE_FAILED first) once the lock is gone; then compare with the file, where
// each user message's content is the id the client gave it.
for (const client of [writer, bystander]) {
  const tasks = sent.get(client)?.length ?? 0;
  const deadline = Date.now() + 60_000;
  while (client.received.filter((f) => f.type === "task_end").length < tasks && Date.now() < deadline) await pause(20);
}
const stored = new Set<string>();
for (const client of [writer, bystander]) {
  const thread = await layer.loadThread(client.welcome?.threadId ?? "");
  for (const step of thread?.steps ?? []) if (step.kind === "message" && step.role === "user") stored.add(step.content);
}
const rows = [writer, bystander].map((client) => {
  const ids = sent.get(client) ?? [];
  const { ok, failed } = acknowledged(client.received, ids);
  return {
    session: client === writer ? "writer" : "bystander",
    messages: ids.length,
    stored: ids.filter((id) => stored.has(id)).length,
    acknowledged: ok.length,
    PERSISTENCE_FAILED: failed,
    "acknowledged but lost": ok.filter((id) => !stored.has(id)).length,
  };
});
const sorted = [...replies].sort((a, b) => a - b);
await writer.close();
await bystander.close();
await server.close();
await layer.close();
rmSync(dir, { recursive: true, force: true });

console.log(`SQLite write lock held by another process for ${Math.round(lockHeldMs)} ms`);
console.table({
  "event-loop delay ms": {
    p50: ms(delay.percentile(50)),
    p99: ms(delay.percentile(99)),
    max: ms(delay.max),
  },
  "bystander reply ms": {
    p50: Math.round(quantile(sorted, 0.5)),
    p99: Math.round(quantile(sorted, 0.99)),
    max: Math.round(sorted.at(-1) ?? Number.NaN),
  },
});
console.log(`bystander round trips during the lock: ${replies.length}`);
console.table(rows);
