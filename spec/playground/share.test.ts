// Sharing from the playground: the author's Share button gives a link, and that link in a fresh browser (nobody
// signed in) shows the conversation read-only: its messages, no composer, no socket.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createApp } from "chatwire";
import type { Browser } from "playwright-core";
import { signIn, startPersistentServer, threadNamed } from "./accounts.ts";
import { launchBrowser, say, withPage } from "./browser.ts";

let browser: Browser;
before(async () => {
  browser = await launchBrowser();
});
after(() => browser?.close());

test("a shared conversation opens read-only from its link in a fresh browser", async (t) => {
  const app = createApp();
  app.passwordAuth(({ username, password }) => (password === `${username}-pw` ? { identifier: username } : undefined));
  app.onMessage(async (ctx, message) => {
    await ctx.send(`echo: ${message.content}`);
  });
  app.onSharedThreadView(() => true); // anyone with the link
  const { url } = await startPersistentServer(t, app.seal());

  await withPage(t, browser, async (author) => {
    await author.goto(url);
    await signIn(author, "ada");
    await say(author, "plan my trip");
    await author.locator(".message.assistant", { hasText: "echo: plan my trip" }).waitFor();
    await threadNamed(author, "plan my trip").waitFor(); // stored: it can be shared
    await author.locator("#share").click();
    await author.locator("#share-panel").waitFor();
    const link = await author.locator("#share-link").inputValue();
    assert.match(link, /^http:\/\/127\.0\.0\.1:\d+\/\?share=[\w-]{24}$/);

    // The link in a fresh browser context: nobody signed in.
    await withPage(t, browser, async (page) => {
      const sockets: string[] = [];
      page.on("websocket", (socket) => sockets.push(socket.url()));
      await page.goto(link);
      await page.locator(".message.assistant", { hasText: "echo: plan my trip" }).waitFor();
      const log = await page.locator("#log .message .content").allTextContents();
      assert.deepEqual(
        log.map((text) => text.trim()),
        ["plan my trip", "echo: plan my trip"],
      );
      assert.equal(await page.locator("#title").textContent(), "plan my trip");
      assert.equal(await page.locator("#shared-badge").isVisible(), true);
      assert.equal(await page.locator("#composer").isVisible(), false, "no input box");
      assert.equal(await page.locator("#sign-in").isVisible(), false);
      assert.deepEqual(sockets, [], "a shared thread is read over HTTP, not in a session");
    });

    // Stop sharing: the same link now shows nothing of the conversation (signed out: with the sign-in form).
    await author.locator("#share-stop").click();
    await author.locator("#share-panel").waitFor({ state: "hidden" });
    await withPage(t, browser, async (page) => {
      await page.goto(link);
      await page.locator("#sign-in-error", { hasText: "This link does not work" }).waitFor();
      assert.equal(await page.locator("#log .message").count(), 0);
    });
  });
});
