// Chainlit's favorites on a chatwire session: `message_favorite` (a StepDict whose `metadata.favorite` says which
// way) becomes a `favorite` command; its answer goes back as Chainlit's `update_message` (the step with its flag)
// and `set_favorites` (the list, as StepDicts). `fetch_favorites`, sent after each connect, gets the last list.
import type { FavoriteView } from "../../protocol/favorites.ts";
import type { OutgoingOf } from "../../protocol/server.ts";
import type { StepDict } from "./steps.ts";

/** A favorite as the StepDict Chainlit's composer lists (it reads `output`). */
export const favoriteStep = (favorite: FavoriteView): StepDict => ({
  id: favorite.id,
  threadId: favorite.threadId,
  name: "User",
  type: "user_message",
  output: favorite.content,
  createdAt: favorite.createdAt,
  streaming: false,
  metadata: { favorite: true },
});

/** The favorites of one Chainlit connection: marks waiting for their answer, and the last list. */
export class ChainlitFavorites {
  /** The last list the session sent; carried to the next connection of the same session. */
  list: StepDict[] | undefined;
  /** The client's steps of the marks waiting for an answer, by command id. */
  readonly #marks = new Map<string, StepDict>();

  /** A `message_favorite` went to the session as the command `commandId`. */
  marked(commandId: string, step: StepDict): void {
    this.#marks.set(commandId, step);
  }

  /** The session's `favorites` frame as Chainlit's events: the marked step updated, then the list. */
  answer(frame: OutgoingOf<"favorites">, emit: (event: string, payload: unknown) => void): void {
    const step = frame.replyTo === undefined ? undefined : this.#marks.get(frame.replyTo);
    if (frame.replyTo !== undefined) this.#marks.delete(frame.replyTo);
    if (step !== undefined) emit("update_message", step);
    this.list = frame.messages.map(favoriteStep);
    emit("set_favorites", this.list);
  }

  /** The session refused the mark (its error frame goes out as a toast). */
  refused(commandId: string): void {
    this.#marks.delete(commandId);
  }
}
