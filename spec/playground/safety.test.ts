// Message content is Markdown from the app (often from an LLM, or echoing the user): nothing in it may run.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createApp } from "chatwire";
import type { Browser } from "playwright-core";
import { connected, eventually, launchBrowser, say, startServer, upgradesOf, withPage } from "./browser.ts";

let browser: Browser;
before(async () => {
  browser = await launchBrowser();
});
after(() => browser?.close());

const attacks = [
  "<script>window.__xss = 'script'</script>",
  "<img src=x onerror=\"window.__xss = 'img'\">",
  "[click me](javascript:window.__xss='link')",
  "<a href=\"javascript:window.__xss='html-link'\">html link</a>",
  "<svg><animate onbegin=\"window.__xss='svg'\" attributeName=x dur=1s></animate></svg>",
  "<iframe src=\"javascript:parent.__xss='iframe'\"></iframe>",
  "```html\n<script>window.__xss = 'code'</script>\n```",
];

test("script tags, event handlers and javascript: links in messages run nothing", async (t) => {
  const app = createApp();
  app.onMessage(async (ctx, message) => {
    await ctx.send(message.content); // echoed as the app's Markdown
    const streamed = await ctx.stream();
    for (const attack of attacks) await streamed.streamToken(`${attack}\n\n`);
    await streamed.endStream();
    await ctx.send("done");
  });
  const { url } = await startServer(t, app.seal());
  await withPage(t, browser, async (page) => {
    await page.goto(url);
    await connected(page);
    await say(page, attacks.join("\n\n"));
    await page.locator(".message.assistant", { hasText: "done" }).waitFor();
    await page.locator("a", { hasText: "click me" }).first().click();
    const log = page.locator("#log");
    assert.equal(await log.locator("script, iframe, [onerror], [onbegin]").count(), 0);
    assert.equal(await log.locator('a[href^="javascript"]').count(), 0);
    // Raw HTML is shown as the text it is, not turned into elements.
    assert.equal(await log.locator(".content a", { hasText: "html link" }).count(), 0);
    assert.match((await log.locator(".message.assistant .content").first().textContent()) ?? "", /<img src=x onerror=/);
    // The fenced block is shown as code, not dropped: the user sees what was sent.
    assert.match((await log.locator("pre code").first().textContent()) ?? "", /<script>window.__xss/);
    assert.equal(await page.evaluate("window.__xss"), undefined);
  });
});

test('a message with id="notices" (or any page id) does not capture the page\'s connection notices', async (t) => {
  const app = createApp();
  app.onChatStart(async (ctx) => {
    await ctx.send('<div id="notices">captured:</div> <div id="link">fake link</div> <a name="notices">n</a>');
  });
  const { server, url } = await startServer(t, app.seal());
  const upgraded = upgradesOf(server);
  await withPage(t, browser, async (page) => {
    await page.goto(url);
    await connected(page);
    const message = page.locator(".message.assistant", { hasText: "captured:" });
    await message.waitFor();
    // The HTML shows as text: no element of the message has an id or a name to stand in for the page's own.
    assert.equal(await message.locator("[id], [name]").count(), 0);
    assert.match((await message.locator(".content").textContent()) ?? "", /^<div id="notices">captured:<\/div>/);
    await eventually(() => upgraded[0], "the page's socket");
    upgraded[0]?.destroy();
    await page.locator(".notice", { hasText: "Reconnected: nothing was lost." }).waitFor();
    assert.equal(await message.locator(".notice").count(), 0, "no notice went into the message");
    assert.equal(await page.locator(".app > .notices .notice").count(), 1);
    assert.equal(await page.locator("header #link").getAttribute("data-state"), "open");
  });
});
