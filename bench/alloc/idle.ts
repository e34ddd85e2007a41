// What an idle session costs in heap, by constructor: the server (bench/servers/chatwire.ts, or BENCH_BASELINE's)
// is snapshotted with no session and with N idle ones (hello answered, nothing sent); the difference per session,
// largest first. Usage: node --import tsx bench/alloc/idle.ts [sessions=2000] [top=25]
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { closeAll, connect, connectMany } from "../load/link.ts";

const sessions = Number(process.argv[2] ?? 2000);
const top = Number(process.argv[3] ?? 25);
const here = new URL("../..", import.meta.url).pathname;
const probe = new URL("./idle-probe.ts", import.meta.url).pathname;
type Heap = Record<string, [number, number]>;

async function measure(name: string, script: string): Promise<void> {
  const child = spawn(process.execPath, ["--expose-gc", "--import", "tsx", "--import", probe, script], {
    cwd: here,
    stdio: ["pipe", "pipe", "inherit"],
  });
  const lines: ((line: Record<string, unknown>) => void)[] = [];
  createInterface({ input: child.stdout }).on("line", (text) => {
    try {
      const line = JSON.parse(text) as Record<string, unknown>;
      if ("ready" in line || "heap" in line) lines.shift()?.(line);
    } catch {}
  });
  const next = () => new Promise<Record<string, unknown>>((resolve) => lines.push(resolve));
  const ready = (await next()).ready as number;
  const heap = async () => {
    const answer = next();
    child.stdin.write("heap\n");
    return (await answer).heap as Heap;
  };
  const url = `ws://127.0.0.1:${ready}/ws`;
  // One session first, closed: code paths loaded, lazily built shared parts built, before the empty snapshot.
  await closeAll(await connectMany(1, () => connect("ws", url, () => {})));
  await new Promise((r) => setTimeout(r, 200));
  const before = await heap();
  const links = await connectMany(sessions, () => connect("ws", url, () => {}, 30_000));
  await new Promise((r) => setTimeout(r, 500));
  const after = await heap();
  await closeAll(links);
  child.kill("SIGTERM");
  const rows = Object.entries(after).map(([key, [count, bytes]]) => {
    const [count0, bytes0] = before[key] ?? [0, 0];
    return { key, count: (count - count0) / sessions, bytes: (bytes - bytes0) / sessions };
  });
  const total = rows.reduce((sum, row) => sum + row.bytes, 0);
  console.log(`${name}: ${(total / 1024).toFixed(2)} KiB of heap per idle session (${sessions} sessions)`);
  for (const row of rows.sort((a, b) => b.bytes - a.bytes).slice(0, top)) {
    console.log(`  ${row.bytes.toFixed(0).padStart(6)} B  ${row.count.toFixed(2).padStart(6)}x  ${row.key}`);
  }
}

await measure("chatwire", `${here}bench/servers/chatwire.ts`);
const baseline = process.env.BENCH_BASELINE;
if (baseline) await measure("chatwire@baseline", `${baseline.replace(/\/$/, "")}/bench/servers/chatwire.ts`);
process.exit(0);
