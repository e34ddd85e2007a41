// Hostile text for spec/playground/xss.test.ts: each payload calls `pwned(label)` (a function the test exposes to
// every frame of the page) if anything in it ever runs. Short enough for a thread name (200 characters).

const dataPage = (label: string) =>
  `data:text/html;base64,${Buffer.from(`<script>parent.pwned('${label}')</script>`).toString("base64")}`;

/** [label, text]: event handlers, script-bearing URLs, documents in frames, mutation-XSS and style tricks. */
export const payloads: readonly (readonly [string, string])[] = [
  ["img-onerror", `<img src=x onerror="pwned('img-onerror')">`],
  ["svg-onload", `<svg onload="pwned('svg-onload')"></svg>`],
  ["svg-animate", `<svg><animate onbegin="pwned('svg-animate')" attributeName=x dur=1s></animate></svg>`],
  ["details-ontoggle", `<details open ontoggle="pwned('details-ontoggle')">details</details>`],
  ["script", `<script>pwned('script')</script>`],
  ["iframe-srcdoc", `<iframe srcdoc="<script>parent.pwned('iframe-srcdoc')</script>"></iframe>`],
  ["iframe-javascript", `<iframe src="javascript:parent.pwned('iframe-javascript')"></iframe>`],
  ["markdown-link", `[markdown link](javascript:pwned('markdown-link'))`],
  ["html-link", `<a href="javascript:pwned('html-link')">html link</a>`],
  ["entity-link", `<a href="&#106;avascript:pwned('entity-link')">entity link</a>`],
  ["autolink", `<javascript:pwned('autolink')>`],
  ["data-link", `[data link](${dataPage("data-link")})`],
  ["form-action", `<form action="javascript:pwned('form-action')"><button>form button</button></form>`],
  ["formaction", `<button form="composer" formaction="javascript:pwned('formaction')">formaction</button>`],
  ["autofocus", `<input autofocus onfocus="pwned('autofocus')">`],
  ["mglyph", `<math><mtext><table><mglyph><style><img src=x onerror="pwned('mglyph')">`],
  [
    "math-style-comment",
    `<math><mtext><table><mglyph><style><!--</style><img title="--&gt;&lt;img src=1 onerror=pwned('math-style')&gt;">`,
  ],
  ["noscript", `<noscript><p title="</noscript><img src=x onerror=pwned('noscript')>">`],
  ["style-tag", `<style>@import url("javascript:pwned('style-tag')");</style>`],
  ["style-attribute", `<div style="background-image:url(javascript:pwned('style-attribute'))">styled</div>`],
  ["object", `<object data="javascript:pwned('object')"></object>`],
  ["embed", `<embed src="javascript:pwned('embed')">`],
  ["markdown-image", `![image" onerror="pwned('markdown-image')](x" onerror="pwned('markdown-image-src'))`],
  ["kbd-raw-text", `<kbd> <img/src=x/onerror=pwned('kbd-raw-text')>`],
  ["svg-xlink", `<svg><a xlink:href="javascript:pwned('svg-xlink')"><text x=20 y=20>svg link</text></a></svg>`],
  ["meta-refresh", `<meta http-equiv="refresh" content="0;url=javascript:pwned('meta-refresh')">`],
  ["video-source", `<video><source onerror="pwned('video-source')"></video>`],
];

/** URLs an element may carry that must never become a link or an image source. */
export const unsafeUrls: readonly string[] = [
  "javascript:pwned('element-url')",
  " JaVaScRiPt:pwned('element-url-case')",
  "java\tscript:pwned('element-url-tab')",
  dataPage("element-data"),
  "vbscript:msgbox(1)",
  `data:image/svg+xml;base64,${Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" onload="pwned('svg-data')"/>`).toString("base64")}`,
];
