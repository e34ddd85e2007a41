// Favorites (Chainlit's favorite messages): a signed-in user marks one of their own messages to send it again from
// the composer. This is the shape of one favorite as the `favorites` frame lists it.
import { type Static, Type } from "typebox";

const Id = Type.String({ minLength: 1, maxLength: 64 });

/** One of the user's favorite messages, from any of their threads: what the composer fills in. */
export const FavoriteView = Type.Object(
  { id: Id, content: Type.String(), threadId: Id, createdAt: Type.String() },
  { additionalProperties: false },
);
export type FavoriteView = Static<typeof FavoriteView>;
