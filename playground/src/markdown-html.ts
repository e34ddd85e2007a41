// Markdown to the HTML the page may parse, as a string (no DOM: the part of markdown.ts that Node can test). Only
// marked's own tags and attributes survive; raw HTML in a message is shown as text (Chainlit's default,
// `unsafe_allow_html = false`) but for a few formatting tags without attributes; every other `<` is escaped.
import { Marked, type Tokens } from "marked";

/** Raw HTML tags a message may use, without attributes: `<b>`, `<sub>`, `<br>`, `<details>`… */
const RAW_TAGS = ["b", "i", "em", "strong", "u", "s", "del", "ins", "sub", "sup", "kbd", "mark", "small", "br"].concat([
  "details",
  "summary",
]);
/** What marked writes, with the only attributes it writes (values quoted and escaped by marked). */
export const MARKED_TAGS = [
  ...RAW_TAGS,
  ...["p", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "code", "a", "img"],
  ...["ul", "ol", "li", "input", "table", "thead", "tbody", "tr", "th", "td"],
];
export const MARKED_ATTRIBUTES = [
  "href",
  "src",
  "alt",
  "title",
  "class",
  "start",
  "align",
  "checked",
  "disabled",
  "type",
];

// HTML's whitespace, not JavaScript's \s: the parser reads "<a\u00a0href" as one unknown tag name.
const space = "[ \\t\\n\\f\\r]";
/** Matches every `<` that does not open one of `tags` with only `attributes` (double-quoted): those become `&lt;`. */
const notATag = (tags: readonly string[], attributes: readonly string[]) =>
  new RegExp(
    `<(?!/?(?:${tags.join("|")})(?:${space}+(?:${attributes.join("|") || "(?!)"})="[^"<>]*")*${space}*/?>)`,
    "g",
  );
const notARawTag = notATag(RAW_TAGS, []);
const notAMarkedTag = notATag(MARKED_TAGS, MARKED_ATTRIBUTES);

const escapeText = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

const marked = new Marked(
  { gfm: true, breaks: true, async: false },
  {
    renderer: {
      // Raw HTML (blocks and inline tags): shown as typed, bar the formatting tags above.
      html: ({ text }) => text.replace(notARawTag, "&lt;"),
      // After an inline <pre>, <code>, <kbd> or <script>, marked passes text through unescaped: escape it here too.
      text: (token: Tokens.Text | Tokens.Escape) =>
        token.type === "text" && token.escaped === true && token.tokens === undefined ? escapeText(token.text) : false,
    },
  },
);

/**
 * Markdown as the HTML the page may parse: only marked's own tags and attributes; every other `<` is escaped.
 * @example markdownHtml("**hi** <img src=x onerror=alert(1)>") // "<p><strong>hi</strong> &lt;img src=x onerror=alert(1)></p>\n"
 */
export function markdownHtml(text: string): string {
  return (marked.parse(text) as string).replace(notAMarkedTag, "&lt;");
}
