// A thread patch that names the metadata keys it changes (`ThreadPatch.metadataKeys`): two sessions on one thread
// (two tabs) each write their own keys — one its saved state, the other a favorite — and neither undoes the other's.

import type { JsonObject } from "../protocol/views.ts";
import type { ThreadPatch } from "./layer.ts";

/**
 * `stored` with the patch's keys set and removed; the whole `patch.metadata` when the patch names no keys.
 * @example patchedMetadata({ a: 1, b: 2 }, { metadata: {}, metadataKeys: { set: { b: 3 }, unset: [] } }) // { a: 1, b: 3 }
 */
export function patchedMetadata(stored: JsonObject, patch: ThreadPatch): JsonObject | undefined {
  const keys = patch.metadataKeys;
  if (keys === undefined) return patch.metadata;
  const next: JsonObject = { ...stored };
  for (const key of keys.unset) delete next[key];
  return Object.assign(next, keys.set);
}
