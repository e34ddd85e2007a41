// Which gateway the page talks to: its own origin's, unless the server allows another one that `?ws=` names. A link
// with `?ws=` must not be able to point the page (and what the user types) at any server.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createApp } from "chatwire";
import type { Browser } from "playwright-core";
import { connected, launchBrowser, say, startServer, withPage } from "./browser.ts";

let browser: Browser;
before(async () => {
  browser = await launchBrowser();
});
after(() => browser?.close());

/** An app that says which server it is and records what it was told. */
function namedApp(name: string) {
  const app = createApp();
  const heard: string[] = [];
  app.onChatStart(async (ctx) => {
    await ctx.send(`this is ${name}`);
  });
  app.onMessage(async (ctx, message) => {
    heard.push(message.content);
    await ctx.send(`${name} heard ${message.content}`);
  });
  return { hooks: app.seal(), heard };
}

/** Another gateway, on another port (another origin), that would take sockets from any page. */
async function otherGateway(t: import("node:test").TestContext) {
  const other = namedApp("the other gateway");
  const { url } = await startServer(t, other.hooks, { allowedOrigins: ["*"], playground: false });
  return { ...other, ws: `${url.replace(/^http/, "ws")}ws` };
}

test("?ws= naming a gateway the server does not allow is ignored: the page talks to its own", async (t) => {
  const other = await otherGateway(t);
  const own = namedApp("the page's own gateway");
  const { url } = await startServer(t, own.hooks);
  await withPage(t, browser, async (page) => {
    await page.goto(`${url}?ws=${encodeURIComponent(other.ws)}`);
    await connected(page);
    await page.locator(".message.assistant", { hasText: "this is the page's own gateway" }).waitFor();
    await page.locator(".notice", { hasText: `Not connecting to ${other.ws}` }).waitFor();
    await say(page, "a secret");
    await page.locator(".message.assistant", { hasText: "the page's own gateway heard a secret" }).waitFor();
    assert.deepEqual(other.heard, []);
    assert.deepEqual(own.heard, ["a secret"]);
  });
  const policy = (await fetch(url)).headers.get("content-security-policy") ?? "";
  assert.match(policy, /connect-src 'self';/, "sockets only to the page's own origin");
});

test("?ws= may name a gateway the server allows (allowedGateways), and only that one is in connect-src", async (t) => {
  const other = await otherGateway(t);
  const own = namedApp("the page's own gateway");
  const { url } = await startServer(t, own.hooks, { page: { allowedGateways: [other.ws] } });
  const policy = (await fetch(url)).headers.get("content-security-policy") ?? "";
  assert.match(policy, new RegExp(`connect-src 'self' ${other.ws}(;|$)`));
  await withPage(t, browser, async (page) => {
    await page.goto(`${url}?ws=${encodeURIComponent(other.ws)}`);
    await connected(page);
    await page.locator(".message.assistant", { hasText: "this is the other gateway" }).waitFor();
    await say(page, "hello");
    await page.locator(".message.assistant", { hasText: "the other gateway heard hello" }).waitFor();
    assert.deepEqual(other.heard, ["hello"]);
    assert.deepEqual(own.heard, []);
  });
});
