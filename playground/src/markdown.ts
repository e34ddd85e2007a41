// Markdown to sanitised HTML: marked renders, DOMPurify removes scripts, event handlers and javascript: URLs.
import DOMPurify, { type Config } from "dompurify";
import { Marked } from "marked";

const marked = new Marked({ gfm: true, breaks: true, async: false });

// Links open outside the chat (and cannot reach back into it).
DOMPurify.addHook("afterSanitizeAttributes", (node) => {
  if (node.tagName === "A" && node.hasAttribute("href")) {
    node.setAttribute("target", "_blank");
    node.setAttribute("rel", "noopener noreferrer");
  }
});

// SANITIZE_NAMED_PROPS prefixes ids and names with "user-content-": a message cannot take the id of one of the
// page's own elements (`<div id="notices">`), nor clobber document properties with a name.
const options: Config & { RETURN_DOM_FRAGMENT: true } = {
  RETURN_DOM_FRAGMENT: true,
  FORBID_TAGS: ["style", "form"],
  SANITIZE_DOM: true,
  SANITIZE_NAMED_PROPS: true,
};

/**
 * Renders `text` as Markdown into `target`, replacing what was there. Never inserts unsanitised HTML.
 * @example renderMarkdown(div, "**hi** <img src=x onerror=alert(1)>"); // <strong>hi</strong> <img src="x">
 */
export function renderMarkdown(target: HTMLElement, text: string): void {
  const html = marked.parse(text) as string;
  target.replaceChildren(DOMPurify.sanitize(html, options));
}
