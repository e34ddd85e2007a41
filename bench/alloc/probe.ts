// Preloaded into a benchmark server (`--import`): `alloc start` / `alloc stop` lines on stdin bound a window whose
// heap allocation it reports. Node 20 has no total_allocated_bytes, so allocation = growth of the used heap plus
// what each GC in the window freed (v8.GCProfiler's before/after statistics): a count of bytes, not of time, so a
// busy machine does not move it.
import { createInterface } from "node:readline";
import { GCProfiler, getHeapStatistics } from "node:v8";

let profiler: GCProfiler | undefined;
let usedAtStart = 0;

function window(command: string): void {
  if (command === "start") {
    profiler?.stop();
    profiler = new GCProfiler();
    profiler.start();
    usedAtStart = getHeapStatistics().used_heap_size;
    return;
  }
  const used = getHeapStatistics().used_heap_size;
  const stats = profiler?.stop()?.statistics ?? [];
  profiler = undefined;
  let freed = 0;
  let gcMs = 0;
  for (const { beforeGC, afterGC, cost } of stats) {
    freed += beforeGC.heapStatistics.usedHeapSize - afterGC.heapStatistics.usedHeapSize;
    gcMs += cost / 1000;
  }
  const line = { alloc: { bytes: used - usedAtStart + freed, gcs: stats.length, gcMs } };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

createInterface({ input: process.stdin }).on("line", (line) => {
  if (line === "alloc start" || line === "alloc stop") window(line.slice(6));
});

// `alloc profile` / `alloc report FILE`: V8's sampling heap profiler, counting objects that GC already collected
// too, written to FILE (summarise with bench/alloc/sites.ts).
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector";

const session = new Session();
session.connect();
createInterface({ input: process.stdin }).on("line", (line) => {
  if (line === "alloc profile") {
    session.post("HeapProfiler.startSampling", {
      samplingInterval: 4096,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    } as object);
  } else if (line.startsWith("alloc report ")) {
    session.post("HeapProfiler.stopSampling", (error, result) => {
      writeFileSync(line.slice(13), JSON.stringify(error ?? result.profile));
      process.stdout.write(`${JSON.stringify({ report: line.slice(13) })}\n`);
    });
  }
});
