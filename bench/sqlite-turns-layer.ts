// CPU per echo turn of the SQLite layer alone (issue 19): batches of `perBatch` turns of `threads` threads, each
// turn what the gateway records for an echo (turn start, user message, reply, turn end; ids as ThreadIds makes
// them: a thread's tag, then random). Prints µs of process CPU (every thread, the checkpointer's too) and of wall
// time per turn. SPLIT=0.15 puts that share of the turns' ends in the next batch (a turn cut by the batch's edge);
// BURST=16 makes 16 consecutive turns of one thread (a session whose turns share a commit).
// Run: node --import tsx bench/sqlite-turns-layer.ts [threads=100] [perBatch=150] [batches=400]
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { nanoid } from "nanoid";
import type { DataWrite } from "../lib/data/layer.ts";
import { createSqliteLayer } from "../lib/data/sqlite.ts";

const threads = Number(process.argv[2] ?? 100);
const perBatch = Number(process.argv[3] ?? 150);
const batches = Number(process.argv[4] ?? 400);
const burst = Number(process.env.BURST ?? 1); // consecutive turns of one thread (a session that ran ahead)
const split = Number(process.env.SPLIT ?? 0); // fraction of turns whose end comes in the next batch
const dir = mkdtempSync(join(tmpdir(), "sqlite-turns-"));
const layer = createSqliteLayer({ path: join(dir, "t.db") });
await layer.migrate();
await layer.apply(
  Array.from(
    { length: threads },
    (_, t) => ({ kind: "thread", thread: { id: `thread${t}xxxxxxxxxxxxxxxx` } }) as DataWrite,
  ),
);
let n = 0;
let carried: DataWrite[] = [];
const batch = (): DataWrite[] => {
  const writes: DataWrite[] = carried;
  carried = [];
  for (let i = 0; i < perBatch; i++) {
    const t = Math.floor(n / burst) % threads;
    const threadId = `thread${t}xxxxxxxxxxxxxxxx`;
    const tag = `t${String(t).padStart(7, "0")}`;
    const id = tag + nanoid(16);
    const now = new Date().toISOString();
    const input = { id: tag + nanoid(16), content: `hello ${n}`, createdAt: now, author: "User", files: [] };
    writes.push({ kind: "turn_start", turn: { id, threadId, input, nodeId: "node1", startedAt: now } } as DataWrite);
    writes.push({
      kind: "message",
      threadId,
      message: { id: input.id, role: "user", author: "User", content: `hello ${n}`, createdAt: now, actions: [] },
    });
    writes.push({
      kind: "message",
      threadId,
      message: {
        id: tag + nanoid(16),
        role: "assistant",
        author: "Assistant",
        content: `echo: hello ${n}`,
        createdAt: now,
        actions: [],
      },
    });
    const end = { kind: "turn_end", id, state: "done", nodeId: "node1" } as DataWrite;
    if (split > 0 && (n * 7919) % 100 < split * 100) carried.push(end);
    else writes.push(end);
    n++;
  }
  return writes;
};
for (let i = 0; i < 50; i++) await layer.apply(batch());
const before = process.cpuUsage();
const start = performance.now();
for (let i = 0; i < batches; i++) await layer.apply(batch());
const cpu = process.cpuUsage(before);
const turns = batches * perBatch;
console.log(
  JSON.stringify({
    threads,
    perBatch,
    split,
    cpuUsPerTurn: +((cpu.user + cpu.system) / turns).toFixed(1),
    wallUsPerTurn: +(((performance.now() - start) * 1000) / turns).toFixed(1),
    load: loadavg()[0]?.toFixed(1),
    walKiB: statSync(join(dir, "t.db-wal")).size >> 10,
  }),
);
await layer.close();
rmSync(dir, { recursive: true });
