// The playground with files: the attach button uploads and the next message carries the files; a file ask is
// answered by attaching; element kinds render (image, table, task list, chart); a hostile SVG or HTML upload
// shown back as an element never runs.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createApp } from "chatwire";
import type { Browser } from "playwright-core";
import { connected, launchBrowser, say, startServer, withPage } from "./browser.ts";

const PNG = Buffer.from(
  "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a5f1d0a70000000049454e44ae426082",
  "hex",
);

let browser: Browser;
before(async () => {
  browser = await launchBrowser();
});
after(() => browser?.close());

test("attach uploads, the message carries the files, and the reply shows every element kind", async (t) => {
  const app = createApp();
  app.onMessage(async (ctx, message) => {
    await ctx.send({
      content: `got ${message.files.map((f) => `${f.name} (${f.mime})`).join(", ")}`,
      elements: [
        ...message.files.map((f) => ({ name: f.name, url: f.url, mime: f.mime })),
        { name: "Sales", kind: "dataframe" as const, props: { columns: ["quarter", "n"], rows: [["Q1", 3]] } },
        { name: "Plan", kind: "tasklist" as const, props: { tasks: [{ title: "Collect", status: "done" }] } },
        { name: "Chart", kind: "plotly" as const, props: { data: [{ x: [1], y: [2] }] } },
      ],
    });
  });
  const { url } = await startServer(t, app.seal());
  await withPage(t, browser, async (page) => {
    await page.goto(url);
    await connected(page);
    await page.setInputFiles("#attach-input", [
      { name: "cat.png", mimeType: "image/png", buffer: PNG },
      {
        name: "x.svg",
        mimeType: "image/svg+xml",
        buffer: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="window.pwned=1"/>'),
      },
      { name: "x.html", mimeType: "text/html", buffer: Buffer.from("<script>window.pwned=1</script>") },
    ]);
    await page.locator("#attached", { hasText: "cat.png, x.svg, x.html" }).waitFor();
    await say(page, "look");
    const reply = page.locator(".message.assistant", { hasText: "got cat.png (image/png)" });
    await reply.waitFor();
    await reply.locator("img[alt='cat.png']").waitFor();
    assert.equal(await reply.locator("img").count(), 1, "SVG is never an image source");
    await reply.locator("table.dataframe td", { hasText: "Q1" }).waitFor();
    await reply.locator(".tasklist li", { hasText: "done: Collect" }).waitFor();
    // A chart: its JSON, then the drawing once plotly.js loads (spec/playground/charts.test.ts).
    await reply.locator("figure.plotly figcaption", { hasText: "Chart" }).waitFor();
    // The SVG and HTML are links that download (attachment), never run in the page.
    const svg = reply.locator("a.element", { hasText: "x.svg" });
    const href = (await svg.getAttribute("href")) ?? "";
    const served = await page.request.get(href);
    assert.match(served.headers()["content-disposition"] ?? "", /^attachment/);
    assert.equal(await page.evaluate("window.pwned"), undefined);
  });
});

test("a file ask is answered by attaching a file", async (t) => {
  const app = createApp();
  app.onChatStart(async (ctx) => {
    const [file] = await ctx.askFile({ content: "Send a picture", accept: ["image/*"] });
    await ctx.send(`thanks for ${file?.name}`);
  });
  const { url } = await startServer(t, app.seal());
  await withPage(t, browser, async (page) => {
    await page.goto(url);
    await connected(page);
    await page.locator(".message", { hasText: "Send a picture" }).waitFor();
    assert.equal(await page.locator("#attach-input").getAttribute("accept"), "image/*");
    await page.setInputFiles("#attach-input", [{ name: "cat.png", mimeType: "image/png", buffer: PNG }]);
    await page.locator(".message.assistant", { hasText: "thanks for cat.png" }).waitFor();
  });
});
