// An upload makes almost no JavaScript garbage, but every read of its socket leaves a dead 64 KiB buffer behind, and
// V8 frees those only when its young generation fills: left alone, 32 MiB and more of them gather during a large
// upload (docs/files.md). So uploads ask V8 for a young-generation collection every COLLECT_EVERY_BYTES received.
// The count is per process, not per upload: the buffers of every upload share the one heap.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/** Bytes received by uploads between two collections: bounds their dead read buffers at about this much. */
export const COLLECT_EVERY_BYTES = 8 * 1024 * 1024;

type CollectGarbage = (options: { type: "minor" }) => void;

/** V8's own `gc`, taken from a fresh context while --expose-gc is on, then turned off again so that no other context
 * (the app's `vm` ones included) sees a `gc` global; null where V8 refuses. */
let collect: CollectGarbage | null | undefined;
let receivedSinceCollect = 0;

function collector(): CollectGarbage | null {
  if (collect === undefined) {
    try {
      setFlagsFromString("--expose-gc");
      collect = runInNewContext("gc") as CollectGarbage;
    } catch {
      collect = null;
    } finally {
      setFlagsFromString("--no-expose-gc");
    }
  }
  return collect;
}

/** Counts `bytes` received by an upload, and collects the young generation once COLLECT_EVERY_BYTES have come in.
 * A minor collection cost 1.5–7 ms of CPU here (Node 20–26), about 12 for a 100 MiB upload. */
export function uploadReceived(bytes: number): void {
  receivedSinceCollect += bytes;
  if (receivedSinceCollect < COLLECT_EVERY_BYTES) return;
  receivedSinceCollect = 0;
  collector()?.({ type: "minor" });
}
