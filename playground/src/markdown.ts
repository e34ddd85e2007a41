// Markdown into the page, safe without the page's CSP: markdown-html.ts turns it into HTML made only of marked's
// own tags (raw HTML is escaped, so no handler attribute ever reaches a parser, not even an inert one); DOMPurify
// then checks that HTML in its own inert document (tags, attributes, URLs) and only its result joins the page.
import DOMPurify, { type Config } from "dompurify";
import { MARKED_ATTRIBUTES, MARKED_TAGS, markdownHtml } from "./markdown-html.ts";

// Links open outside the chat (and cannot reach back into it).
DOMPurify.addHook("afterSanitizeAttributes", (node) => {
  if (node.tagName === "A" && node.hasAttribute("href")) {
    node.setAttribute("target", "_blank");
    node.setAttribute("rel", "noopener noreferrer");
  }
});

// The same allowlist again: no id or name (nothing can stand in for the page's own elements), no style, no form.
// RETURN_DOM_FRAGMENT hands over the nodes DOMPurify checked, still in its inert document: no serialising and
// parsing again (where mutation XSS lives) between the check and the page.
const options: Config & { RETURN_DOM_FRAGMENT: true } = {
  RETURN_DOM_FRAGMENT: true,
  ALLOWED_TAGS: MARKED_TAGS,
  ALLOWED_ATTR: MARKED_ATTRIBUTES,
};

/**
 * Renders `text` as Markdown into `target`, replacing what was there. Never parses a tag marked did not write.
 * @example renderMarkdown(div, "**hi** <b>bold</b> <img src=x onerror=alert(1)>"); // the <img …> shows as text
 */
export function renderMarkdown(target: HTMLElement, text: string): void {
  target.replaceChildren(DOMPurify.sanitize(markdownHtml(text), options));
}
