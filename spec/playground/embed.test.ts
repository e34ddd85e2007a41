// Window messages between the chat in an iframe and the page that embeds it, both ways, same origin only.
import assert from "node:assert/strict";
import { createServer as createHttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import type { Browser } from "playwright-core";
import { createApp } from "../../lib/hooks/registrars.ts";
import { eventually, launchBrowser, startServer, WAIT_MS, withPage } from "./browser.ts";

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

test("a parent page from another origin can neither post to the app nor read its window messages", async (t) => {
  const { hooks, fromHost, messages } = windowApp();
  const { url } = await startServer(t, hooks);
  await withPage(t, browser, async (page) => {
    // Another origin: the same address on another port, serving a page that embeds the chat.
    const foreign = createHttpServer((_request, response) => {
      response.setHeader("content-type", "text/html");
      response.end(`<iframe id="chat" src="${url}" style="width:600px;height:500px"></iframe>
        <script>window.got = []; addEventListener("message", (e) => window.got.push(e.data));</script>`);
    });
    await new Promise<void>((resolve) => foreign.listen(0, "127.0.0.1", resolve));
    t.after(() => new Promise((resolve) => foreign.close(resolve)));
    await page.goto(`http://127.0.0.1:${(foreign.address() as AddressInfo).port}/`);
    const chat = page.frameLocator("#chat");
    await chat.locator('#link[data-state="open"]').waitFor();
    await page.evaluate('document.querySelector("iframe").contentWindow.postMessage({ evil: true }, "*")');
    await chat.locator("#input").fill("after the post");
    await chat.locator("#input").press("Enter");
    await chat.locator(".message.assistant", { hasText: "sent window message 1" }).waitFor({ timeout: WAIT_MS });
    await eventually(() => (messages.length > 0 ? true : undefined), "onMessage");
    assert.deepEqual(fromHost, [], "onWindowMessage never ran for the foreign parent");
    assert.deepEqual(await page.evaluate("window.got"), []);
  });
});
