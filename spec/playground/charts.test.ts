// The playground draws `plotly` and `vega` elements with the libraries chatwire serves from node_modules (dev
// dependencies here, optional peers for users), under the page's own Content-Security-Policy; hostile strings in a
// spec stay text; without a library the chart stays JSON with a note naming the package.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createApp, type ElementInit } from "chatwire";
import type { Browser, Page } from "playwright-core";
import { connected, launchBrowser, say, startServer, withPage } from "./browser.ts";

/** Parsing Plotly's 4.8 MB file the first time takes seconds on a busy machine: a longer bound for that wait. */
const FIRST_LOAD = { timeout: 30_000 };

let browser: Browser;
before(async () => {
  browser = await launchBrowser();
});
after(() => browser?.close());

const plotly = (title: string): ElementInit => ({
  name: "Sales (Plotly)",
  kind: "plotly",
  props: {
    data: [
      { type: "scatter", mode: "lines+markers", name: title, x: [1, 2, 3], y: [2, 5, 3] },
      { type: "bar", name: "bars", x: [1, 2, 3], y: [1, 2, 4] },
    ],
    layout: {
      title: { text: title },
      xaxis: { title: { text: title } },
      annotations: [
        { x: 2, y: 5, text: `<a href="javascript:pwned('plotly-link')">link</a>` },
        { x: 1, y: 2, text: `<img src=x onerror="pwned('plotly-annotation')">` },
      ],
    },
    config: { showLink: true, plotlyServerURL: "https://chart-studio.invalid" },
  },
});

const vegaLite = (title: string): ElementInit => ({
  name: "Sales (Vega-Lite)",
  kind: "vega",
  props: {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title,
    description: title,
    data: {
      values: [
        { q: title, n: 3 },
        { q: "Q2", n: 5 },
        { q: "Q3", n: 1 },
      ],
    },
    transform: [{ calculate: "datum.n * 2", as: "twice" }],
    mark: { type: "bar", href: "javascript:pwned('vega-href')" },
    encoding: { x: { field: "q", type: "nominal", title }, y: { field: "twice", type: "quantitative" } },
    usermeta: { embedOptions: { ast: false, actions: true } },
  },
});

function chartApp(title: string) {
  const app = createApp();
  app.onMessage(async (ctx) => {
    await ctx.send({ content: "charts", elements: [plotly(title), vegaLite(title)] });
  });
  return app.seal();
}

/** Collects the page's CSP violation reports (from before it loads). */
async function recordViolations(page: Page): Promise<string[]> {
  const violations: string[] = [];
  await page.exposeFunction("violated", (report: string) => violations.push(report));
  await page.addInitScript(`document.addEventListener("securitypolicyviolation", (event) =>
    violated(event.effectiveDirective + " " + event.blockedURI), true)`);
  return violations;
}

test("a Plotly figure and a Vega-Lite spec are drawn by their libraries, under the page's CSP", async (t) => {
  const { url } = await startServer(t, chartApp("Sales by quarter"));
  await withPage(t, browser, async (page) => {
    const violations = await recordViolations(page);
    const response = await page.goto(url);
    assert.match(response?.headers()["content-security-policy"] ?? "", /script-src 'self';/);
    await connected(page);
    await say(page, "draw");
    const reply = page.locator(".message.assistant", { hasText: "charts" });
    const plot = reply.locator('figure.plotly[data-chart="drawn"]');
    await plot.waitFor(FIRST_LOAD);
    await plot.locator(".main-svg").first().waitFor();
    assert.equal(await plot.locator("g.trace").count(), 2, "a scatter trace and a bar trace");
    assert.equal(await plot.locator("g.trace.bars .point").count(), 3);
    assert.equal(await plot.locator(".gtitle").textContent(), "Sales by quarter");
    assert.equal(await plot.locator("pre").count(), 0, "the JSON gave way to the drawing");
    assert.equal(
      await plot.locator(".modebar-btn[data-title*='Chart Studio' i]").count(),
      0,
      "the spec's config is ignored",
    );

    const vega = reply.locator('figure.vega[data-chart="drawn"]');
    await vega.waitFor(FIRST_LOAD);
    await vega.locator("svg.marks").waitFor();
    assert.equal(await vega.locator("g.mark-rect path").count(), 3, "one bar per datum");
    assert.ok((await vega.locator("g.mark-text text").allTextContents()).includes("Sales by quarter"), "its title");
    assert.equal(await vega.locator(".vega-actions").count(), 0, "usermeta's embed options are ignored");
    assert.equal(await vega.locator("pre").count(), 0);

    const scripts = (await page.evaluate(
      "[...document.scripts].map((script) => new URL(script.src).pathname)",
    )) as string[];
    assert.deepEqual(scripts.sort(), [
      "/app.js",
      "/charts/plotly.min.js",
      "/charts/vega-embed.min.js",
      "/charts/vega-lite.min.js",
      "/charts/vega.min.js",
    ]);
    assert.deepEqual(
      violations,
      [],
      "no eval, no handler parsed (the annotation's <img onerror>), nothing from elsewhere",
    );
  });
});

const hostile = `<img src=x onerror="pwned('title')"><script>pwned('script')</script>`;

test("hostile strings in a spec are drawn as text, even on a page served without its CSP", async (t) => {
  const { url } = await startServer(t, chartApp(hostile), {
    // Test-only: as a proxy that drops the header would serve the page, so only the libraries stand in the way.
    prepare: (server) => {
      server.addHook("onSend", async (_request, reply, body) => {
        reply.removeHeader("content-security-policy");
        return body;
      });
    },
  });
  await withPage(t, browser, async (page) => {
    const ran: string[] = [];
    await page.exposeFunction("pwned", (label: string) => ran.push(label));
    await page.goto(url);
    await connected(page);
    await say(page, "draw");
    const reply = page.locator(".message.assistant", { hasText: "charts" });
    await reply.locator('figure.plotly[data-chart="drawn"] g.trace').first().waitFor(FIRST_LOAD);
    await reply.locator('figure.vega[data-chart="drawn"] svg.marks').waitFor(FIRST_LOAD);
    const vegaTexts = await reply.locator("figure.vega g.mark-text text").allTextContents();
    assert.ok(vegaTexts.includes(hostile), "Vega shows the title as it is");
    // Clicking a bar would follow the mark's href: Vega's loader refuses it (as it refuses any URL).
    await reply.locator("figure.vega g.mark-rect path").first().click();
    const live = (await page.evaluate(`(() => {
      const found = [];
      for (const figure of document.querySelectorAll("figure.plotly, figure.vega")) {
        for (const element of figure.querySelectorAll("*")) {
          if (["img", "script", "iframe", "foreignObject"].includes(element.localName)) found.push(element.localName);
          for (const attribute of element.attributes) {
            if (/^on/i.test(attribute.name)) found.push(element.localName + "[" + attribute.name + "]");
            if (/^\\s*javascript:/i.test(attribute.value)) found.push(element.localName + "[" + attribute.name + "]");
          }
        }
      }
      return found;
    })()`)) as string[];
    assert.deepEqual(live, [], "no element or attribute in the charts can run script");
    assert.deepEqual(ran, []);
  });
});

test("when the library is not there, the chart stays JSON with a note naming the package", async (t) => {
  const { url } = await startServer(t, chartApp("Sales"), {
    // As a server without the optional peers answers (lib/playground/chart-libraries.ts answers 404 then).
    prepare: (server) => {
      server.addHook("onRequest", async (request, reply) => {
        if (request.url.startsWith("/charts/")) return reply.code(404).send("not installed");
      });
    },
  });
  await withPage(t, browser, async (page) => {
    await page.goto(url);
    await connected(page);
    await say(page, "draw");
    const reply = page.locator(".message.assistant", { hasText: "charts" });
    const plot = reply.locator('figure.plotly[data-chart="json"]');
    await plot.locator(".chart-note", { hasText: "Install plotly.js-dist-min" }).waitFor();
    assert.match((await plot.locator("pre").textContent()) ?? "", /"type": "scatter"/);
    const vega = reply.locator('figure.vega[data-chart="json"]');
    await vega.locator(".chart-note", { hasText: "Install vega, vega-lite and vega-embed" }).waitFor();
    assert.match((await vega.locator("pre").textContent()) ?? "", /"mark"/);
  });
});
