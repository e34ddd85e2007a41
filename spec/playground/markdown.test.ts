// What the page hands to the browser's HTML parser (playground/src/markdown-html.ts), and which element URLs it
// uses (safe-url.ts): no browser needed. xss.test.ts checks the same in Chromium, with and without the CSP.
import assert from "node:assert/strict";
import { test } from "node:test";
import { markdownHtml } from "../../playground/src/markdown-html.ts";
import { safeElementUrl } from "../../playground/src/safe-url.ts";
import { payloads, unsafeUrls } from "./xss-payloads.ts";

/** Every tag in `html`, as the parser would open it (the HTML is well-formed by construction, so a regex will do). */
const tagsOf = (html: string) => [...html.matchAll(/<\/?([a-z0-9]+)([^>]*)>/g)].map(([, name, rest]) => [name, rest]);

test("raw HTML in a message is escaped: no payload leaves a tag with an attribute marked did not write", () => {
  // URLs (javascript: in a Markdown link) are DOMPurify's to remove, in the browser: xss.test.ts.
  const markedAttributes = /^(?:\s+(?:href|src|alt|title|class|start|align|checked|disabled|type)="[^"]*")*\s*\/?$/;
  for (const [label, text] of payloads) {
    const html = markdownHtml(text);
    for (const [name, attributes] of tagsOf(html)) {
      assert.match(`${name}`, /^(p|a|kbd|details)$/, `${label}: <${name}${attributes}> in ${html}`);
      assert.match(`${attributes}`, markedAttributes, `${label}: ${html}`);
    }
  }
});

test("formatting tags without attributes stay; the same tags with attributes do not", () => {
  assert.equal(markdownHtml("H<sub>2</sub>O, <b>bold</b><br/>next"), "<p>H<sub>2</sub>O, <b>bold</b><br/>next</p>\n");
  assert.equal(markdownHtml('<b onclick="x()">b</b>'), '<p>&lt;b onclick="x()">b</b></p>\n');
  assert.equal(markdownHtml("<b\u00a0onclick=x()>b</b>"), "<p>&lt;b\u00a0onclick=x()>b</b></p>\n");
  assert.match(markdownHtml("| a | b<br>c |\n|---|---|\n| 1 | 2 |"), /<th>b<br>c<\/th>/);
});

test("text after an inline <kbd>, <pre> or <script> (which marked passes through raw) is escaped too", () => {
  assert.equal(markdownHtml("<kbd> <img/src=x/onerror=alert(1)>"), "<p><kbd> &lt;img/src=x/onerror=alert(1)&gt;</p>\n");
  assert.equal(markdownHtml("a <script> <svg/onload=alert(1)>"), "<p>a &lt;script> &lt;svg/onload=alert(1)&gt;</p>\n");
});

test("Markdown itself renders as before: links, images, code, tables, task lists", () => {
  assert.equal(
    markdownHtml('**hi** [l](https://x.example "t") ![i](/a.png) `<b>`'),
    '<p><strong>hi</strong> <a href="https://x.example" title="t">l</a> <img src="/a.png" alt="i"> <code>&lt;b&gt;</code></p>\n',
  );
  assert.equal(markdownHtml("```js\n<b>\n```"), '<pre><code class="language-js">&lt;b&gt;\n</code></pre>\n');
  assert.equal(
    markdownHtml("3. x\n- [x] y"),
    '<ol start="3">\n<li>x</li>\n</ol>\n<ul>\n<li><input checked="" disabled="" type="checkbox"> y</li>\n</ul>\n',
  );
});

test("element URLs: http(s) and relative ones resolve; script-bearing ones are refused however they are written", () => {
  const base = "https://chat.example/app/";
  assert.equal(safeElementUrl("/files/a.pdf", base, false), "https://chat.example/files/a.pdf");
  assert.equal(safeElementUrl("b.png", base, true), "https://chat.example/app/b.png");
  assert.equal(safeElementUrl("http://cdn.example/c.png", base, true), "http://cdn.example/c.png");
  assert.equal(safeElementUrl("data:image/png;base64,iVBO", base, true), "data:image/png;base64,iVBO");
  assert.equal(safeElementUrl("data:image/png;base64,iVBO", base, false), undefined, "not as a link");
  for (const url of unsafeUrls) {
    assert.equal(safeElementUrl(url, base, true), undefined, url);
    assert.equal(safeElementUrl(url, base, false), undefined, url);
  }
  assert.equal(safeElementUrl("http://[bad", base, false), undefined);
});
