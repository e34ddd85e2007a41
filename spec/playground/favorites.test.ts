// Favorites in the playground: a star on the signed-in user's own message, the favorites picker by the composer in
// this and the next conversation, and choosing a favorite fills the input.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Browser } from "playwright-core";
import { accountsApp, signIn, startPersistentServer } from "./accounts.ts";
import { connected, launchBrowser, say, withPage } from "./browser.ts";

let browser: Browser;
before(async () => {
  browser = await launchBrowser();
});
after(() => browser?.close());

test("the star marks the user's own message; the picker lists it in a new chat and fills the input", async (t) => {
  const { hooks } = accountsApp();
  const { url } = await startPersistentServer(t, hooks);
  await withPage(t, browser, async (page) => {
    await page.goto(url);
    await signIn(page, "ada");
    await say(page, "plan a trip to Oslo");
    await page.locator(".message.assistant", { hasText: "echo: plan a trip to Oslo" }).waitFor();
    assert.equal(await page.locator(".message.assistant .star").count(), 0, "only the user's messages have a star");
    assert.equal(await page.locator("#favorites").isHidden(), true, "no favorites yet: no picker");

    await page.locator(".message.user .star").click();
    await page.locator(".message.user .star[aria-pressed=true]").waitFor();
    await page.locator("#favorites").waitFor();

    await page.locator("#new-chat").click();
    await connected(page);
    await page.locator("#favorites").waitFor();
    await page.locator("#favorites").selectOption({ label: "plan a trip to Oslo" });
    assert.equal(await page.locator("#input").inputValue(), "plan a trip to Oslo");
  });
});
