// CPU time of a local PostgreSQL cluster (its postmaster, its live processes and those already reaped), read from
// /proc: what a benchmark's rows cost the server, next to what they cost node (process.cpuUsage). Linux only.
import { readdirSync, readFileSync } from "node:fs";

/** Clock ticks per second of /proc's times (USER_HZ: 100 on Linux for every architecture node runs on). */
const TICKS_PER_SECOND = 100;

const read = (path: string): string | undefined => {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
};

/** utime, stime, cutime, cstime and the parent's pid, from /proc/<pid>/stat (fields after the command's ")"). */
function stat(pid: string): { ppid: string; own: number; reaped: number } | undefined {
  const text = read(`/proc/${pid}/stat`);
  if (text === undefined) return undefined;
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const n = (i: number) => Number(fields[i]);
  return { ppid: fields[1] ?? "", own: n(11) + n(12), reaped: n(13) + n(14) };
}

/**
 * Milliseconds of CPU the cluster listening on `port` has used so far, or undefined if it is not found (not Linux).
 * @example const before = serverCpuMs(5432); ...; const used = (serverCpuMs(5432) ?? 0) - (before ?? 0);
 */
export function serverCpuMs(port: number): number | undefined {
  const pids = readdirSync("/proc").filter((name) => /^\d+$/.test(name));
  const postmaster = pids.find((pid) => {
    const args = read(`/proc/${pid}/cmdline`)?.split("\0") ?? [];
    return args.some((arg) => arg.endsWith("postgres")) && args.join(" ").includes(`-p ${port}`);
  });
  if (postmaster === undefined) return undefined;
  let ticks = 0;
  for (const pid of pids) {
    const s = stat(pid);
    if (s === undefined) continue;
    if (pid === postmaster) ticks += s.own + s.reaped;
    else if (s.ppid === postmaster) ticks += s.own;
  }
  return (ticks * 1000) / TICKS_PER_SECOND;
}
