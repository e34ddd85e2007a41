// Window messages between the chat in an iframe and the page that embeds it, both ways, same origin only.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createApp } from "chatwire";
import type { FastifyInstance } from "fastify";
import type { Browser } from "playwright-core";
import { eventually, launchBrowser, startForeignPage, startServer, WAIT_MS, withPage } from "./browser.ts";

let browser: Browser;
before(async () => {
  browser = await launchBrowser();
});
after(() => browser?.close());

/** An app that reports window messages and sends one to the host when asked with "/window". */
function windowApp() {
  const app = createApp();
  const fromHost: unknown[] = [];
  const messages: string[] = [];
  app.onWindowMessage(async (ctx, data) => {
    fromHost.push(data);
    await ctx.send(`host said ${JSON.stringify(data)}`);
  });
  app.onMessage(async (ctx, message) => {
    messages.push(message.content);
    await ctx.sendWindowMessage({ type: "status", turn: messages.length });
    await ctx.send(`sent window message ${messages.length}`);
  });
  return { hooks: app.seal(), fromHost, messages };
}

test("the host page gets sendWindowMessage's data, and its postMessage reaches onWindowMessage", async (t) => {
  const { hooks, fromHost } = windowApp();
  const { url } = await startServer(t, hooks);
  await withPage(t, browser, async (page) => {
    await page.goto(`${url}host.html`);
    const chat = page.frameLocator("#chat");
    await chat.locator('#link[data-state="open"]').waitFor();
    await chat.locator("#input").fill("ping");
    await chat.locator("#input").press("Enter");
    await page.locator(".host-message").waitFor();
    assert.deepEqual(JSON.parse((await page.locator(".host-message").textContent()) ?? ""), {
      type: "status",
      turn: 1,
    });
    await page.locator("#data").fill('{"type":"from host","n":2}');
    await page.getByRole("button", { name: "Post to chat" }).click();
    await chat.locator(".message.assistant", { hasText: "host said" }).waitFor();
    assert.deepEqual(fromHost, [{ type: "from host", n: 2 }]);
  });
});

/** A foreign page that frames `chatUrl` and records every window message it gets in `window.got`. */
const framing = (chatUrl: string) => `<iframe id="chat" src="${chatUrl}" style="width:600px;height:500px"></iframe>
  <script>window.got = []; addEventListener("message", (e) => window.got.push(e.data));</script>`;

test("a page on another origin cannot frame the chat, even naming itself in ?parentOrigin=", async (t) => {
  const { hooks, fromHost, messages } = windowApp();
  const { url } = await startServer(t, hooks);
  let chatUrl = "";
  const foreign = await startForeignPage(t, () => framing(chatUrl));
  chatUrl = `${url}?parentOrigin=${encodeURIComponent(foreign)}`;
  await withPage(t, browser, async (page) => {
    await page.goto(`${foreign}/`);
    await page.locator("#chat").waitFor();
    const chat = await eventually(() => page.frames().find((frame) => frame !== page.mainFrame()), "the iframe");
    await chat.waitForLoadState("load");
    assert.equal(await chat.locator("#link").count(), 0, "the browser refused to show the chat in the iframe");
    await page.evaluate('document.querySelector("iframe").contentWindow.postMessage({ evil: true }, "*")');
    assert.deepEqual(fromHost, []);
    assert.deepEqual(messages, []);
    assert.deepEqual(await page.evaluate("window.got"), []);
  });
  const headers = (await fetch(chatUrl)).headers;
  assert.match(headers.get("content-security-policy") ?? "", /frame-ancestors 'self'(;|$)/);
  assert.equal(headers.get("x-frame-options"), "SAMEORIGIN");
});

test("where framing is not refused, a foreign parent named by ?parentOrigin= still gets no window messages", async (t) => {
  const { hooks, fromHost, messages } = windowApp();
  // As a proxy that drops the headers would (or a browser without frame-ancestors): only the page's own check is
  // left between the foreign parent and the app.
  const prepare = (server: FastifyInstance) =>
    server.addHook("onSend", async (_request, reply, payload) => {
      reply.removeHeader("content-security-policy").removeHeader("x-frame-options");
      return payload;
    });
  const { url } = await startServer(t, hooks, { prepare });
  let chatUrl = "";
  const foreign = await startForeignPage(t, () => framing(chatUrl));
  chatUrl = `${url}?parentOrigin=${encodeURIComponent(foreign)}`;
  await withPage(t, browser, async (page) => {
    await page.goto(`${foreign}/`);
    const chat = page.frameLocator("#chat");
    await chat.locator('#link[data-state="open"]').waitFor();
    await page.evaluate('document.querySelector("iframe").contentWindow.postMessage({ evil: true }, "*")');
    await page.evaluate(
      `document.querySelector("iframe").contentWindow.postMessage({ evil: true }, ${JSON.stringify(url.slice(0, -1))})`,
    );
    await chat.locator("#input").fill("after the post");
    await chat.locator("#input").press("Enter");
    await chat.locator(".message.assistant", { hasText: "sent window message 1" }).waitFor({ timeout: WAIT_MS });
    await eventually(() => (messages.length > 0 ? true : undefined), "onMessage");
    assert.deepEqual(fromHost, [], "onWindowMessage never ran for the foreign parent");
    assert.deepEqual(await page.evaluate("window.got"), [], "sendWindowMessage's data never reached it");
  });
});

test("a parent origin the server allows frames the chat and exchanges window messages with it", async (t) => {
  const { hooks, fromHost } = windowApp();
  let chatUrl = "";
  const foreign = await startForeignPage(t, () => framing(chatUrl));
  const { url } = await startServer(t, hooks, { page: { allowedParentOrigins: [foreign] } });
  chatUrl = `${url}?parentOrigin=${encodeURIComponent(foreign)}`;
  const policy = (await fetch(chatUrl)).headers;
  assert.match(policy.get("content-security-policy") ?? "", new RegExp(`frame-ancestors 'self' ${foreign}(;|$)`));
  assert.equal(policy.get("x-frame-options"), null, "X-Frame-Options cannot name another origin");
  await withPage(t, browser, async (page) => {
    await page.goto(`${foreign}/`);
    const chat = page.frameLocator("#chat");
    await chat.locator('#link[data-state="open"]').waitFor();
    await chat.locator("#input").fill("ping");
    await chat.locator("#input").press("Enter");
    await page.waitForFunction("window.got.length === 1");
    assert.deepEqual(await page.evaluate("window.got"), [{ type: "status", turn: 1 }]);
    await page.evaluate(
      `document.querySelector("iframe").contentWindow.postMessage({ cart: 3 }, ${JSON.stringify(url.slice(0, -1))})`,
    );
    await chat.locator(".message.assistant", { hasText: "host said" }).waitFor();
    assert.deepEqual(fromHost, [{ cart: 3 }]);
  });
});
