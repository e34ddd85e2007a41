// The playground's surface against a real server: the profile picker, starters, the command picker, the settings
// form and toasts (docs/surface.md).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createApp, defineSettings } from "chatwire";
import type { Browser } from "playwright-core";
import { connected, eventually, launchBrowser, say, startServer, withPage } from "./browser.ts";

let browser: Browser;
before(async () => {
  browser = await launchBrowser();
});
after(() => browser?.close());

test("starters show on an empty conversation and send their message; a profile switch starts anew", async (t) => {
  const app = createApp();
  app.setChatProfiles(() => [
    { name: "fast", starters: [{ label: "Say hi", message: "hi from a starter" }] },
    { name: "deep", starters: [{ label: "Go deep", message: "deep question" }] },
  ]);
  app.onMessage(async (ctx, message) => {
    await ctx.send(`${ctx.chatProfile}: ${message.content}`);
  });
  const { url } = await startServer(t, app.seal());
  await withPage(t, browser, async (page) => {
    await page.goto(url);
    await connected(page);
    await page.locator('#profile:not([hidden]) option[value="deep"]').waitFor({ state: "attached" });
    assert.equal(await page.locator("#profile").inputValue(), "fast");
    await page.locator(".starter", { hasText: "Say hi" }).click();
    await page.locator(".message.assistant", { hasText: "fast: hi from a starter" }).waitFor();
    assert.equal(await page.locator("#starters").isHidden(), true, "starters go once the conversation starts");
    await page.locator("#profile").selectOption("deep");
    await page.locator(".starter", { hasText: "Go deep" }).click();
    await page.locator(".message.assistant", { hasText: "deep: deep question" }).waitFor();
  });
});

test("the command picker sends a message with its command, and toasts show as notices", async (t) => {
  const app = createApp();
  app.setCommands([{ id: "search", description: "Search the web" }]);
  app.onMessage(async (ctx, message) => {
    await ctx.toast(`running ${message.command ?? "nothing"}`, { level: "success" });
    await ctx.send(`${message.command ?? "plain"}: ${message.content}`);
  });
  const { url } = await startServer(t, app.seal());
  await withPage(t, browser, async (page) => {
    await page.goto(url);
    await connected(page);
    await page.locator("#command:not([hidden])").waitFor();
    await page.locator("#command").selectOption("search");
    await say(page, "cats");
    await page.locator(".message.assistant", { hasText: "search: cats" }).waitFor();
    await page.locator(".notice", { hasText: "running search" }).waitFor();
    assert.equal(await page.locator("#command").inputValue(), "", "a command is used once unless persistent");
    await say(page, "dogs");
    await page.locator(".message.assistant", { hasText: "plain: dogs" }).waitFor();
  });
});

test("the settings form shows the app's inputs and its changes reach onSettingsUpdate", async (t) => {
  const form = defineSettings([
    { type: "select", id: "model", label: "Model", values: ["small", "large"] },
    { type: "switch", id: "stream", label: "Stream", initial: true },
    { type: "slider", id: "temperature", label: "Temperature", min: 0, max: 2, step: 0.5, initial: 1 },
  ] as const);
  const app = createApp();
  app.chatSettings(form);
  const updates: unknown[] = [];
  app.onSettingsUpdate((_ctx, settings) => {
    updates.push(settings);
  });
  app.onMessage(async (ctx) => {
    const { model, stream } = form.read(ctx.settings);
    await ctx.send(`${model} ${stream}`);
  });
  const { url } = await startServer(t, app.seal());
  await withPage(t, browser, async (page) => {
    await page.goto(url);
    await connected(page);
    await page.locator("#settings:not([hidden]) summary").click();
    assert.equal(await page.locator("#setting-model").inputValue(), "small");
    assert.equal(await page.locator("#setting-stream").isChecked(), true);
    await page.locator("#setting-model").selectOption("large");
    await eventually(() => (updates.length === 1 ? true : undefined), "the first update");
    await page.locator("#setting-stream").uncheck();
    await eventually(() => (updates.length === 2 ? true : undefined), "the second update");
    assert.deepEqual(updates[1], { model: "large", stream: false, temperature: 1 });
    await say(page, "go");
    await page.locator(".message.assistant", { hasText: "large false" }).waitFor();
  });
});

test("editing a message puts it back in the composer; sending replaces it and what followed", async (t) => {
  const app = createApp();
  app.onMessage(async (ctx, message) => {
    await ctx.send(`echo ${message.content} after ${ctx.history().length - 1}`);
  });
  const { url } = await startServer(t, app.seal());
  await withPage(t, browser, async (page) => {
    await page.goto(url);
    await connected(page);
    await say(page, "one");
    await page.locator(".message.assistant", { hasText: "echo one after 0" }).waitFor();
    await say(page, "two");
    await page.locator(".message.assistant", { hasText: "echo two after 2" }).waitFor();
    await page.locator(".message.user", { hasText: "one" }).locator(".edit").click();
    assert.equal(await page.locator("#input").inputValue(), "one");
    await say(page, "uno");
    await page.locator(".message.assistant", { hasText: "echo uno after 0" }).waitFor();
    await page.locator(".message.user", { hasText: "two" }).waitFor({ state: "detached" });
    assert.deepEqual(
      await page
        .locator(".message")
        .allTextContents()
        .then((texts) => texts.length),
      2,
    );
  });
});
