// Child processes of the benchmark: servers pinned to core 0, the load generator to core 1, each with the open-file
// limit raised to the hard limit. Every child is killed when the runner exits, however it exits.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { connect as connectTcp, createServer as createNetServer } from "node:net";
import { createInterface } from "node:readline";
import { CONNECTED, MARK } from "../load/marks.ts";
import type { LoadJob } from "../load/options.ts";
import type { GcTotals } from "../servers/control.ts";

const root = new URL("../..", import.meta.url).pathname;
const children = new Set<ChildProcess>();

const killAll = () => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
};
process.on("exit", killAll);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    killAll();
    process.exit(130);
  });
}

const has = (command: string) => {
  try {
    execFileSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
};

/** The machine facts the numbers depend on. */
export const machine = {
  ticksPerSecond: Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()),
  pinned: has("taskset"),
  openFiles: Number(execFileSync("sh", ["-c", "ulimit -Hn"], { encoding: "utf8" }).trim()) || 1024,
};

/** Runs `node <args>` on one core, with `ulimit -n` raised to the hard limit (exec keeps the pid). */
function spawnNode(core: number, args: readonly string[], env: Record<string, string> = {}, cwd = root): ChildProcess {
  const pin = machine.pinned ? ["taskset", "-c", String(core)] : [];
  const script = 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"';
  const child = spawn("sh", ["-c", script, "sh", ...pin, process.execPath, ...args], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ["pipe", "pipe", "inherit"],
  });
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

/** Waits for the first stdout line `accept` returns a value for; rejects on exit or after `timeoutMs`. */
function awaitLine<T>(child: ChildProcess, timeoutMs: number, accept: (line: string) => T | undefined): Promise<T> {
  const stdout = child.stdout;
  if (stdout === null) return Promise.reject(new Error("child has no stdout"));
  return new Promise<T>((resolve, reject) => {
    const lines = createInterface({ input: stdout });
    const done = () => {
      clearTimeout(timer);
      lines.close();
      child.off("close", exited);
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`no expected line within ${timeoutMs} ms`));
    }, timeoutMs);
    const exited = (code: number | null) => {
      done();
      reject(new Error(`process exited (${code}) before the expected line`));
    };
    child.once("close", exited);
    lines.on("line", (line) => {
      const value = accept(line);
      if (value === undefined) return;
      done();
      resolve(value);
    });
  });
}

const parse = (line: string): Record<string, unknown> | undefined => {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
};

/** A running server under test. */
export interface ServerProcess {
  readonly pid: number;
  readonly url: string;
  /** From spawn to the ready line (printed once listen resolved), measured here. */
  readonly startupMs: number;
  /** The server's own process.uptime() when it was ready. */
  readonly uptimeMs: number;
  /** Collects garbage in the server, then returns its RSS in bytes. */
  rss(): Promise<number>;
  /** Starts or stops a window of the server's garbage-collection pauses; `stop` resolves to the window's. */
  gc(command: "start" | "stop"): Promise<GcTotals>;
  /** SIGTERM, then SIGKILL after 3 s. */
  stop(): Promise<void>;
}

/** Starts `script` on core 0 with --expose-gc (and `nodeFlags`), and waits (bounded) for its ready line. */
export async function startServer(
  script: string,
  args: readonly string[],
  path: string,
  nodeFlags: readonly string[] = [],
): Promise<ServerProcess> {
  const started = performance.now();
  const child = spawnNode(0, ["--expose-gc", ...nodeFlags, "--import", "tsx", script, ...args]);
  let ready: { port: number; uptimeMs: number };
  try {
    ready = await awaitLine(child, 20_000, (line) => {
      const parsed = parse(line);
      return typeof parsed?.ready === "number" ? { port: parsed.ready, uptimeMs: Number(parsed.uptimeMs) } : undefined;
    });
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }
  const startupMs = performance.now() - started;
  const pid = child.pid ?? 0;
  return {
    pid,
    url: `ws://127.0.0.1:${ready.port}${path}`,
    startupMs,
    uptimeMs: ready.uptimeMs,
    rss: () => {
      const reply = awaitLine(child, 10_000, (line) => {
        const parsed = parse(line);
        return typeof parsed?.rss === "number" ? parsed.rss : undefined;
      });
      child.kill("SIGUSR2");
      return reply;
    },
    gc: (command) => {
      const reply = awaitLine(child, 10_000, (line) => parse(line)?.gc as GcTotals | undefined);
      child.stdin?.write(`gc ${command}\n`);
      return reply;
    },
    stop: () => {
      if (child.exitCode !== null) return Promise.resolve();
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGTERM");
      const force = setTimeout(() => child.kill("SIGKILL"), 3000);
      return exited.then(() => clearTimeout(force));
    },
  };
}

/** What the runner does when the load generator reaches a point of its scenario. */
export interface LoadHooks {
  /** An idle job has opened its sessions; they are held until this resolves. */
  onConnected?: () => Promise<void>;
  /** A throughput job's measured window starts or ends (bench/load/marks.ts). */
  onMark?: (mark: string) => void;
}

/** Runs the load generator on core 1 for one job. */
export async function runLoad<R>(job: LoadJob, hooks: LoadHooks = {}, timeoutMs = 180_000): Promise<R> {
  const child = spawnNode(1, ["--import", "tsx", "bench/load/main.ts", JSON.stringify(job)]);
  const outcome = awaitLine(child, timeoutMs, (line) => {
    if (line === CONNECTED) {
      const release = () => child.stdin?.write("go\n");
      (hooks.onConnected ?? (async () => {}))().then(release, release);
      return undefined;
    }
    if (line.startsWith(MARK)) {
      hooks.onMark?.(line.slice(MARK.length));
      return undefined;
    }
    return parse(line);
  });
  try {
    const reply = await outcome;
    if (typeof reply.error === "string") throw new Error(`load generator (${job.scenario}): ${reply.error}`);
    return reply.result as R;
  } finally {
    if (child.exitCode === null) child.kill("SIGKILL");
  }
}

/** A port nobody listens on right now. */
async function freePort(): Promise<number> {
  const probe = createNetServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const address = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  return typeof address === "object" && address !== null ? address.port : 0;
}

const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connectTcp({ host: "127.0.0.1", port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });

/** User + system CPU ms a process (all its threads) has used so far, from /proc; NaN where there is none. */
function cpuMsOf(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const [utime, stime] = stat
      .slice(stat.lastIndexOf(")") + 2)
      .split(" ")
      .slice(11, 13)
      .map(Number);
    return (((utime ?? Number.NaN) + (stime ?? Number.NaN)) * 1000) / machine.ticksPerSecond;
  } catch {
    return Number.NaN;
  }
}

/** Spawns `node <args>` (PORT set, in `cwd`) and polls every 5 ms until it accepts TCP connections (<= 20 s). */
export async function timeToAccept(args: readonly string[], cwd: string): Promise<number> {
  return (await startToAccept(args, cwd)).ms;
}

/** timeToAccept's wall-clock ms, with the CPU the process had used by then (less sensitive to a busy machine). */
export async function startToAccept(args: readonly string[], cwd: string): Promise<{ ms: number; cpuMs: number }> {
  const port = await freePort();
  const started = performance.now();
  const child = spawnNode(0, args, { PORT: String(port), HOST: "127.0.0.1", LOG_LEVEL: "warn" }, cwd);
  try {
    while (!(await accepts(port))) {
      if (child.exitCode !== null) throw new Error(`exited (${child.exitCode}) before accepting connections`);
      if (performance.now() - started > 20_000) throw new Error("not accepting connections after 20 s");
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return { ms: performance.now() - started, cpuMs: cpuMsOf(child.pid) };
  } finally {
    child.kill("SIGKILL");
  }
}
