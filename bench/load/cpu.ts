// Server counters from /proc: CPU time (utime + stime of the whole process, every thread, GC included) and the
// read/write system calls it made (writev counts as one write), to divide by the round trips of a window.
import { readdirSync, readFileSync } from "node:fs";

/** CPU microseconds the process `pid` has used so far. `ticksPerSecond` is `getconf CLK_TCK`. */
export function cpuMicros(pid: number, ticksPerSecond: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which may hold spaces, hence the last ')'): state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1_000_000) / ticksPerSecond;
}

/** Read-family and write-family system calls of `pid` so far (/proc/PID/io syscr, syscw). */
export function syscalls(pid: number): { readonly reads: number; readonly writes: number } {
  const io = readFileSync(`/proc/${pid}/io`, "utf8");
  const field = (name: string) => Number(new RegExp(`^${name}: (\\d+)$`, "m").exec(io)?.[1] ?? Number.NaN);
  return { reads: field("syscr"), writes: field("syscw") };
}

/**
 * Microseconds the threads of `pid` were running or ready to run (on a CPU, or waiting in the run queue for one),
 * summed (/proc/PID/task/TID/schedstat). GC pauses are wall-clock, stretched by run-queue waits on a busy machine
 * (the main thread's and its GC helpers'): as a share of this sum the same waits stretch both sides.
 */
export function busyMicros(pid: number): number {
  let total = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const [running, waiting] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ").map(Number);
      total += ((running ?? 0) + (waiting ?? 0)) / 1000;
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return total;
}
