// Favorites (Chainlit's favorite messages): a signed-in user marks one of their own messages of this conversation,
// the flag goes to the thread's metadata through the session's link, and the user's list comes back as a
// `favorites` frame once the change is committed. Listing reads every thread of the user (the data layer's).
import { ChatwireError } from "../errors.ts";
import type { FavoriteFrame } from "../protocol/client.ts";
import type { FavoriteView } from "../protocol/favorites.ts";
import type { EventLane } from "./event-lane.ts";
import type { LaneHost } from "./lane.ts";
import type { ThreadLink } from "./thread-link.ts";
import type { Transcript } from "./transcript.ts";

/** Whether a session keeps favorites, and how it lists them: on for a signed-in user with a data layer that lists
 * favorites and the gateway's `favorites` option on; otherwise the code every `favorite` frame is refused with. */
export type FavoritesAccess =
  | { readonly on: true; readonly list: () => Promise<readonly FavoriteView[]> }
  | { readonly on: false; readonly code: "FAVORITES_DISABLED" | "SIGN_IN_REQUIRED"; readonly reason: string };

/** Favorites off: what a session without the gateway's word gets. */
export const NO_FAVORITES: FavoritesAccess = {
  on: false,
  code: "FAVORITES_DISABLED",
  reason: "favorites are off on this server",
};

/** What favorites need of their session. */
export interface FavoritesDesk<S extends object> {
  readonly host: LaneHost<S>;
  readonly events: EventLane<S>;
  readonly transcript: Transcript;
  readonly link: ThreadLink | undefined;
  readonly access: FavoritesAccess;
}

/**
 * Takes one `favorite` command: only the user's own messages of this conversation. Another user's message ids are
 * UNKNOWN_MESSAGE like ids that never existed, so a refusal never tells whether a message exists elsewhere.
 */
export function receiveFavorite<S extends object>(desk: FavoritesDesk<S>, command: FavoriteFrame): void {
  const { access, transcript } = desk;
  if (!access.on) throw new ChatwireError(access.code, access.reason);
  const target = transcript.userMessage(command.messageId);
  if (target === undefined) {
    if (transcript.has(command.messageId)) {
      throw new ChatwireError("NOT_YOUR_MESSAGE", "only the user's own messages can be favorites");
    }
    throw new ChatwireError("UNKNOWN_MESSAGE", `no message of yours with id ${command.messageId}`);
  }
  desk.link?.setFavorite(target.id, command.favorite);
  desk.events.run("favorite", command.id, () => sendFavorites(desk, command.id));
}

/** Sends the user's favorites once what was recorded so far is committed (the listing reads the database);
 * PERSISTENCE_FAILED if a write was lost. Nothing when favorites are off. */
export async function sendFavorites<S extends object>(desk: FavoritesDesk<S>, replyTo?: string): Promise<void> {
  const { access, host } = desk;
  if (!access.on) return;
  try {
    await desk.link?.flush();
  } catch (error) {
    host.parts.log.error({ err: error, sessionId: host.parts.sessionId }, "favorite not persisted");
    host.emitError("PERSISTENCE_FAILED", "this favorite could not be saved", replyTo);
    return;
  }
  const messages = [...(await access.list())];
  await host.parts.emit({ type: "favorites", messages, ...(replyTo === undefined ? {} : { replyTo }) });
}
