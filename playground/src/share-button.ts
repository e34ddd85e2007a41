// The header's Share button: shares the conversation on screen (chatwire/client's threads.share) and shows its
// link, with Copy and Stop sharing. Only a signed-in user's stored conversation can be shared.
import type { ChatClient } from "../../lib/client/index.ts";
import { byId } from "./dom.ts";
import { notify } from "./notices.ts";

/**
 * The page link that shows share `shareId` read-only: this page with `?share=`, keeping the options that say where
 * the server is (`ws`, `api`).
 * @example shareLink(new URL("https://chat.example/?ws=wss://x/ws&thread=1"), "Ab") // "https://chat.example/?ws=…&share=Ab"
 */
export function shareLink(page: URL, shareId: string): string {
  const link = new URL(page.pathname, page.origin);
  for (const key of ["ws", "api"]) {
    const value = page.searchParams.get(key);
    if (value !== null) link.searchParams.set(key, value);
  }
  link.searchParams.set("share", shareId);
  return link.href;
}

/** The Share button and its link panel. */
export class ShareButton {
  readonly #button = byId<HTMLButtonElement>("share");
  readonly #panel = byId("share-panel");
  readonly #link = byId<HTMLInputElement>("share-link");
  #threadId: string | undefined;

  private readonly routes: () => ChatClient["threads"] | undefined;

  constructor(routes: () => ChatClient["threads"] | undefined, page: URL) {
    this.routes = routes;
    this.#button.addEventListener("click", () => void this.#share(page));
    byId("share-copy").addEventListener("click", () => void this.#copy());
    byId("share-stop").addEventListener("click", () => void this.#stop());
  }

  /** The conversation on screen (undefined: none that can be shared, e.g. signed out or anonymous). */
  thread(threadId: string | undefined): void {
    if (threadId === this.#threadId) return;
    this.#threadId = threadId;
    this.#button.hidden = threadId === undefined;
    this.#panel.hidden = true;
  }

  async #share(page: URL): Promise<void> {
    const threadId = this.#threadId;
    if (threadId === undefined) return;
    const shared = await this.routes()
      ?.share(threadId)
      .catch(() => undefined);
    if (shared === undefined) {
      notify("This conversation cannot be shared yet: it is stored from its first message.", "warn", { key: "share" });
      return;
    }
    if (threadId !== this.#threadId) return; // another conversation is on screen by now
    this.#link.value = shareLink(page, shared.shareId);
    this.#panel.hidden = false;
    this.#link.select();
  }

  async #copy(): Promise<void> {
    // The clipboard needs a secure context; the link stays selected in its field either way.
    const copied = await navigator.clipboard?.writeText(this.#link.value).then(
      () => true,
      () => false,
    );
    this.#link.select();
    notify(copied ? "Link copied." : "Copy the selected link.", "info", { key: "share" });
  }

  async #stop(): Promise<void> {
    const threadId = this.#threadId;
    if (threadId === undefined) return;
    const stopped = await this.routes()
      ?.unshare(threadId)
      .then(() => true)
      .catch(() => false);
    if (!stopped) {
      notify("Sharing could not be stopped: try again.", "error", { key: "share" });
      return;
    }
    this.#panel.hidden = true;
    notify("The link no longer works.", "info", { key: "share" });
  }
}
