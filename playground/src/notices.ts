// Unobtrusive notices at the bottom of the chat: connection state, error frames. They fade unless sticky.
import { byId, h } from "./dom.ts";

/** How a notice looks. */
export type NoticeKind = "info" | "warn" | "error";

/** Options of a notice: a `key` replaces the previous notice with the same key; `sticky` keeps it until replaced. */
export interface NoticeOptions {
  readonly key?: string;
  readonly sticky?: boolean;
}

const LIFETIME_MS = 6000;
const keyed = new Map<string, HTMLElement>();
// Looked up once, when the page loads: later, a message's HTML could hold another element with this id.
const host = byId("notices");

/**
 * Shows a short notice; returns a function that removes it.
 * @example notify("Reconnected.", "info", { key: "link" });
 */
export function notify(text: string, kind: NoticeKind, options: NoticeOptions = {}): () => void {
  const notice = h("div", { class: `notice ${kind}`, "data-key": options.key }, text);
  const previous = options.key === undefined ? undefined : keyed.get(options.key);
  if (previous !== undefined) previous.replaceWith(notice);
  else host.append(notice);
  if (options.key !== undefined) keyed.set(options.key, notice);
  const remove = () => {
    notice.remove();
    if (options.key !== undefined && keyed.get(options.key) === notice) keyed.delete(options.key);
  };
  if (options.sticky !== true) setTimeout(remove, LIFETIME_MS);
  return remove;
}
