// Server CPU time from /proc: utime + stime of the whole process (every thread, GC included), in microseconds.
import { readFileSync } from "node:fs";

/** CPU microseconds the process `pid` has used so far. `ticksPerSecond` is `getconf CLK_TCK`. */
export function cpuMicros(pid: number, ticksPerSecond: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which may hold spaces, hence the last ')'): state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1_000_000) / ticksPerSecond;
}
