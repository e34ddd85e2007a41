// Where favorites are stored: the ids of a thread's favorite user messages, in the thread's metadata under
// `chatwireFavorites`. The steps table has no metadata column (Chainlit keeps `favorite: true` in the step's), and
// the thread's metadata is already written by the session's link, so favorites need no schema migration.
import type { FavoriteView } from "../protocol/favorites.ts";
import type { JsonObject } from "../protocol/views.ts";

/** The key of a thread's metadata that lists the ids of its favorite messages. */
export const FAVORITES_METADATA_KEY = "chatwireFavorites";

/** How many favorites a listing returns at most (newest first), as the composer's picker shows them. */
export const FAVORITES_LIMIT = 50;

/**
 * The favorite message ids kept in a thread's metadata; anything else there (an app's own value) counts as none.
 * @example favoriteIds({ chatwireFavorites: ["m1"] }) // ["m1"]
 */
export function favoriteIds(metadata: JsonObject): string[] {
  const ids = metadata[FAVORITES_METADATA_KEY];
  return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === "string") : [];
}

/**
 * The metadata with `messageId` marked or unmarked; the other keys are kept.
 * @example withFavorite({}, "m1", true) // { chatwireFavorites: ["m1"] }
 */
export function withFavorite(metadata: JsonObject, messageId: string, favorite: boolean): JsonObject {
  const others = favoriteIds(metadata).filter((id) => id !== messageId);
  return { ...metadata, [FAVORITES_METADATA_KEY]: favorite ? [...others, messageId] : others };
}

/** A listing's size: 1..FAVORITES_LIMIT, FAVORITES_LIMIT when not given. */
export const favoritesLimit = (limit: number | undefined): number =>
  Math.min(FAVORITES_LIMIT, Math.max(1, Math.floor(limit ?? FAVORITES_LIMIT)));

/** A favorite as the SQL layers select it. */
export interface FavoriteRow {
  id: string;
  thread_id: string;
  output: string | null;
  start_at: string;
}

export const toFavorite = (row: FavoriteRow): FavoriteView => ({
  id: row.id,
  content: row.output ?? "",
  threadId: row.thread_id,
  createdAt: row.start_at,
});
