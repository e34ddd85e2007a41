// Whether a new session keeps favorites: the gateway's `favorites` option, a data layer that lists them, and a
// signed-in user (favorites are kept per user; an anonymous visitor has nobody to keep them for).
import type { DataLayer } from "../data/layer.ts";
import type { User } from "../protocol/views.ts";
import type { FavoritesAccess } from "../session/favorites.ts";

/**
 * The favorites of `user` on `layer`, or why there are none.
 * @example favoritesAccess(true, layer, { identifier: "ada" }).on // true with the SQLite or PostgreSQL layer
 */
export function favoritesAccess(
  enabled: boolean,
  layer: DataLayer | undefined,
  user: User | undefined,
): FavoritesAccess {
  if (!enabled) return { on: false, code: "FAVORITES_DISABLED", reason: "favorites are turned off on this server" };
  const list = layer?.listFavorites;
  if (layer === undefined || list === undefined) {
    return { on: false, code: "FAVORITES_DISABLED", reason: "favorites need a data layer that lists them" };
  }
  if (user === undefined) return { on: false, code: "SIGN_IN_REQUIRED", reason: "sign in to keep favorite messages" };
  const { identifier } = user;
  return { on: true, list: () => list.call(layer, identifier) };
}
