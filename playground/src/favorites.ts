// The favorites picker by the composer: the signed-in user's favorite messages (`snapshot.favorites`), newest
// first; choosing one fills the input with it, to send again or change first. Hidden while there are none.
import type { FavoriteView } from "../../lib/protocol/index.ts";
import { byId, h } from "./dom.ts";

/** How much of a favorite an option shows; the whole text goes into the input. */
const LABEL_CHARS = 60;

const label = (content: string): string => {
  const line = content.trim().split("\n")[0] ?? "";
  return line.length <= LABEL_CHARS ? line : `${line.slice(0, LABEL_CHARS - 1)}…`;
};

/** The picker, drawn from the snapshot. */
export class FavoritesPicker {
  readonly #select = byId<HTMLSelectElement>("favorites");
  #shown: readonly FavoriteView[] | undefined;

  constructor(fill: (text: string) => void) {
    this.#select.addEventListener("change", () => {
      const chosen = this.#shown?.find((favorite) => favorite.id === this.#select.value);
      this.#select.value = "";
      if (chosen !== undefined) fill(chosen.content);
    });
  }

  render(favorites: readonly FavoriteView[]): void {
    if (favorites === this.#shown) return;
    this.#shown = favorites;
    this.#select.replaceChildren(
      h("option", { value: "" }, "★ favorites"),
      ...favorites.map((favorite) =>
        h("option", { value: favorite.id, title: favorite.content }, label(favorite.content)),
      ),
    );
    this.#select.hidden = favorites.length === 0;
  }
}
