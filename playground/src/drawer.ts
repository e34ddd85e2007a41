// The thread list's drawer: beside the chat on wide windows (open by default), over it on phones (closed by
// default, and closed again by a tap beside it). The header's ☰ button opens and closes it either way.
import { byId } from "./dom.ts";

const narrow = matchMedia("(max-width: 760px)");

/** The sidebar's open/closed state, kept on the shell as `data-drawer` for CSS. */
export class Drawer {
  readonly #shell = byId("shell");
  readonly #toggle = byId<HTMLButtonElement>("threads-toggle");
  readonly #opened: () => void;

  /** `opened` runs each time the ☰ button opens the drawer (the list refreshes: it may have changed since). */
  constructor(opened: () => void) {
    this.#opened = opened;
    this.#toggle.addEventListener("click", () => {
      const open = this.#shell.dataset.drawer !== "open";
      this.#set(open);
      if (open) this.#opened();
    });
    // Over the chat on a phone, a tap beside the drawer closes it (the toggle is beside it too: it handles itself).
    byId("app").addEventListener("click", (event) => {
      if (narrow.matches && !this.#toggle.contains(event.target as Node)) this.#set(false);
    });
  }

  /** Shows the toggle (and the drawer, on a wide window), or hides both. */
  available(yes: boolean): void {
    this.#toggle.hidden = !yes;
    this.#set(yes && !narrow.matches);
  }

  /** After a choice in the list: on a phone the drawer gets out of the way. */
  chosen(): void {
    if (narrow.matches) this.#set(false);
  }

  #set(open: boolean): void {
    this.#shell.dataset.drawer = open ? "open" : "closed";
    this.#toggle.setAttribute("aria-expanded", String(open));
  }
}
