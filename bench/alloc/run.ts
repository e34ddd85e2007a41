// Bytes a server allocates per round trip (and per streamed token): load-insensitive, unlike CPU µs on a shared
// machine. Each server (bench/servers/chatwire.ts here, and the same script of BENCH_BASELINE's checkout) runs with
// bench/alloc/probe.ts preloaded; the bench's own load link (bench/load/link.ts) sends a fixed number of round trips
// after a warm-up, so the count does not depend on speed.
// Usage: node --import tsx bench/alloc/run.ts [roundTrips=20000] [connections=100] [tokens=20000]
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { closeAll, connect, connectMany, type Link } from "../load/link.ts";

const roundTrips = Number(process.argv[2] ?? 20_000);
const connections = Number(process.argv[3] ?? 100);
const tokens = Number(process.argv[4] ?? 20_000);
const here = new URL("../..", import.meta.url).pathname;
const probe = new URL("./probe.ts", import.meta.url).pathname;

interface Alloc {
  readonly bytes: number;
  readonly gcs: number;
  readonly gcMs: number;
}

async function serve(script: string) {
  // ALLOC_CPU_PROF=DIR: a --cpu-prof of each server too (its whole run; bench/profile.ts summarises it).
  const cpuProf = process.env.ALLOC_CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.ALLOC_CPU_PROF}`] : [];
  const child = spawn(process.execPath, [...cpuProf, "--expose-gc", "--import", "tsx", "--import", probe, script], {
    cwd: here,
    stdio: ["pipe", "pipe", "inherit"],
  });
  const waiting: ((line: Record<string, unknown>) => boolean)[] = [];
  createInterface({ input: child.stdout }).on("line", (text) => {
    let line: Record<string, unknown>;
    try {
      line = JSON.parse(text);
    } catch {
      return;
    }
    const i = waiting.findIndex((take) => take(line));
    if (i >= 0) waiting.splice(i, 1);
  });
  const next = <T>(key: string) =>
    new Promise<T>((resolve) =>
      waiting.push((line) => {
        if (!(key in line)) return false;
        resolve(line[key] as T);
        return true;
      }),
    );
  const port = await next<number>("ready");
  const alloc = async (command: "start" | "stop") => {
    const reply = command === "stop" ? next<Alloc>("alloc") : undefined;
    child.stdin.write(`alloc ${command}\n`);
    return reply;
  };
  const command = async (text: string, reply?: string) => {
    const answer = reply === undefined ? undefined : next(reply);
    child.stdin.write(`${text}\n`);
    await answer;
  };
  return { url: `ws://127.0.0.1:${port}/ws`, alloc, command, stop: () => child.kill("SIGTERM") };
}

/** Sends `count` round trips over `links` (16 in flight each) and resolves when every task_end came back. */
function drive(
  count: number,
  links: Link[],
  outstanding: Int32Array,
  done: { left: number; resolve?: () => void; refill?: (i: number) => void },
) {
  const message = { type: "user_message", id: "m1", content: "hi" };
  done.left = count;
  return new Promise<void>((resolve) => {
    done.resolve = resolve;
    let sent = 0;
    for (let i = 0; i < links.length && sent < count; i++) {
      for (let k = 0; k < 16 && sent < count; k++, sent++) {
        (outstanding[i] as number)++;
        links[i]?.send(message);
      }
    }
    done.refill = (i: number) => {
      if (sent < count) {
        sent++;
        (outstanding[i] as number)++;
        links[i]?.send(message);
      }
    };
  });
}

async function measure(name: string, script: string) {
  const server = await serve(script);
  const outstanding = new Int32Array(connections);
  const done: { left: number; resolve?: () => void; refill?: (i: number) => void } = { left: 0 };
  const links = await connectMany(connections, (index) =>
    connect("ws", server.url, (type) => {
      if (type !== "task_end" || outstanding[index] === 0) return;
      (outstanding[index] as number)--;
      done.refill?.(index);
      if (--done.left === 0) done.resolve?.();
    }),
  );
  await new Promise((r) => setTimeout(r, 300)); // onChatStart tasks
  await drive(roundTrips / 2, links, outstanding, done); // warm-up: compiled paths, settled heap
  await server.alloc("start");
  await drive(roundTrips, links, outstanding, done);
  const trips = (await server.alloc("stop")) as Alloc;
  if (process.env.ALLOC_PROFILE) {
    await server.command("alloc profile");
    await drive(roundTrips, links, outstanding, done);
    await server.command(`alloc report ${process.env.ALLOC_PROFILE}-${name}.heapprofile`, "report");
  }
  await closeAll(links);
  // One client streams `tokens` tokens, read as fast as it can.
  let ended: () => void = () => {};
  const streamed = new Promise<void>((resolve) => {
    ended = resolve;
  });
  const [reader] = await connectMany(1, () =>
    connect("ws", server.url, (type) => {
      if (type === "stream_end") ended();
    }),
  );
  await new Promise((r) => setTimeout(r, 100));
  await server.alloc("start");
  reader?.send({ type: "user_message", id: "s1", content: `/stream ${tokens}` });
  await streamed;
  const stream = (await server.alloc("stop")) as Alloc;
  if (process.env.ALLOC_PROFILE && reader !== undefined) {
    // The same stream again under the sampling profiler: where a token's bytes go.
    const again = new Promise<void>((resolve) => {
      ended = resolve;
    });
    await server.command("alloc profile");
    reader.send({ type: "user_message", id: "s2", content: `/stream ${tokens}` });
    await again;
    await server.command(`alloc report ${process.env.ALLOC_PROFILE}-${name}-stream.heapprofile`, "report");
  }
  await closeAll(reader === undefined ? [] : [reader]);
  server.stop();
  const perTrip = trips.bytes / roundTrips;
  console.log(
    `${name.padEnd(20)} ${Math.round(perTrip)} B/round trip (${trips.gcs} GCs, ${((trips.gcMs / roundTrips) * 1000).toFixed(2)} µs GC/round trip); ` +
      `${Math.round(stream.bytes / tokens)} B/token (${stream.gcs} GCs)`,
  );
}

if (process.env.ALLOC_FLOOR !== "0") await measure("ws batched", `${here}bench/servers/raw-ws-batched.ts`);
await measure("chatwire", `${here}bench/servers/chatwire.ts`);
const baseline = process.env.BENCH_BASELINE;
if (baseline) await measure("chatwire@baseline", `${baseline.replace(/\/$/, "")}/bench/servers/chatwire.ts`);
process.exit(0);
