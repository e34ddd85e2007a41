// A message's elements (files and media: metadata, the bytes at `url`): images shown under the message, anything
// else a link by its name. URLs come from the app or a stored thread, so only http(s) ones (and raster data:
// images, as image sources) ever reach an attribute; any other shows the name as plain text.
import type { ElementView } from "../../lib/protocol/index.ts";
import { h } from "./dom.ts";
import { safeElementUrl } from "./safe-url.ts";

function elementView(element: ElementView): HTMLElement {
  const name = h("span", { class: "element-name" }, element.name);
  const image = element.mime?.startsWith("image/") === true;
  const src = image ? safeElementUrl(element.url, location.href, true) : undefined;
  if (src !== undefined)
    return h("figure", { class: "element image" }, h("img", { src, alt: element.name }), h("figcaption", {}, name));
  const href = safeElementUrl(element.url, location.href, false);
  if (href === undefined) return h("span", { class: "element", title: "This address cannot be opened here" }, name);
  return h("a", { class: "element", href, target: "_blank", rel: "noopener noreferrer" }, name);
}

/**
 * The elements of a message, in order, whatever their `display` (the playground has no side panel or pages).
 * @example box.replaceChildren(...elementViews(view.elements))
 */
export const elementViews = (elements: readonly ElementView[] = []): HTMLElement[] => elements.map(elementView);
