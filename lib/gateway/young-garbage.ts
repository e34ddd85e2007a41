// A large upload arrives as socket buffers that are garbage as soon as they are stored, but V8 collects such
// buffers only when 32 MiB of them wait in the young generation (or when JavaScript fills it), and an upload makes
// almost no JavaScript garbage of its own: so the process grows by 32 MiB of dead buffers before a collection.
// Filling what is left of the young generation with short-lived objects brings that collection forward; a
// collection of a young generation that holds little live data costs well under a millisecond.
import { getHeapSpaceStatistics } from "node:v8";

/** Bytes of an upload between two early collections. */
export const BYTES_PER_YOUNG_COLLECTION = 8 * 1024 * 1024;

/** Written, never read: so that the allocations below cannot be optimized away. */
let _kept: unknown;

/** Makes V8 collect its young generation soon (at once, usually), freeing the socket buffers already stored. */
export function collectYoungGarbage(): void {
  const young = getHeapSpaceStatistics().find((space) => space.space_name === "new_space");
  const bytes = Math.min(young?.space_available_size ?? 1 << 20, 16 << 20);
  // Arrays of 8 Ki slots (64 KiB each, under V8's limit for the young generation) that die at once; the last is
  // kept in a module variable, so the allocations cannot be optimized away.
  let batch: unknown[] = [];
  for (let allocated = 0; allocated < bytes; allocated += 8 * 8192) batch = new Array(8192);
  _kept = batch;
}
