// Sharing from the playground: the author's Share button gives a link, and that link in a fresh browser (nobody
// signed in) shows the conversation read-only — its messages, no composer — and follows it live: the author's next
// turn shows as it runs, through a viewer socket. A second tab of the author shows the first tab's turn live too.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createApp } from "chatwire";
import type { Browser } from "playwright-core";
import { signIn, startPersistentServer, threadNamed } from "./accounts.ts";
import { eventually, launchBrowser, say, withPage } from "./browser.ts";

let browser: Browser;
before(async () => {
  browser = await launchBrowser();
});
after(() => browser?.close());

test("a shared conversation opens read-only from its link in a fresh browser, and follows the author live", async (t) => {
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
      assert.deepEqual(sockets, [], "signed out, the shared thread is read over HTTP, not followed");
    });

    // Signed in (bob), the link's page follows the thread live: a viewer socket, and the author's next turn shows
    // on it as it runs.
    await withPage(t, browser, async (page) => {
      let following = false; // the viewer's history came: it follows the thread from now on
      page.on("websocket", (socket) => {
        socket.on("framereceived", ({ payload }) => {
          if (String(payload).includes('"type":"thread_history"')) following = true;
        });
      });
      await page.goto(url);
      await signIn(page, "bob");
      await page.goto(link);
      await page.locator(".message.assistant", { hasText: "echo: plan my trip" }).waitFor();
      await eventually(() => (following ? true : undefined), "the viewer socket's history");
      await say(author, "and the hotel");
      await page.locator(".message.assistant", { hasText: "echo: and the hotel" }).waitFor();
      assert.deepEqual(
        (await page.locator("#log .message .content").allTextContents()).map((text) => text.trim()),
        ["plan my trip", "echo: plan my trip", "and the hotel", "echo: and the hotel"],
        "each message once, in order",
      );
      assert.equal(await page.locator("#composer").isVisible(), false, "still no input box");
    });

    // A second tab of the author on the same conversation shows the first tab's turn as it runs.
    const second = await author.context().newPage();
    t.after(() => second.close());
    await second.goto(url);
    await threadNamed(second, "plan my trip").click();
    await second.locator(".message.assistant", { hasText: "echo: and the hotel" }).waitFor();
    await say(author, "and a train");
    await second.locator(".message.assistant", { hasText: "echo: and a train" }).waitFor();
    assert.equal(await second.locator(".message.user", { hasText: "and a train" }).count(), 1);

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
