// A dropped connection: the page says so, reconnects by itself, and resumes the same session without losing frames.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createApp } from "chatwire";
import type { Browser } from "playwright-core";
import {
  connected,
  eventually,
  launchBrowser,
  noticesSeen,
  recordNotices,
  say,
  startServer,
  upgradesOf,
  withPage,
} from "./browser.ts";

let browser: Browser;
before(async () => {
  browser = await launchBrowser();
});
after(() => browser?.close());

test("after the server drops the socket the page reconnects, says so, and gets what was sent meanwhile", async (t) => {
  const app = createApp();
  const sessions: string[] = [];
  let starts = 0;
  let openGate: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => {
    openGate = resolve;
  });
  app.onChatStart(() => {
    starts++;
  });
  app.onMessage(async (ctx, message) => {
    sessions.push(ctx.sessionId);
    if (message.content === "wait") {
      await gate;
      await ctx.send("sent while you were away");
    } else await ctx.send(`echo: ${message.content}`);
  });
  const { server, url } = await startServer(t, app.seal());
  const upgraded = upgradesOf(server);
  await withPage(t, browser, async (page) => {
    await page.goto(url);
    await connected(page);
    await recordNotices(page);
    await say(page, "wait");
    await eventually(() => sessions[0], "the waiting task");
    assert.equal(upgraded.length, 1);
    upgraded[0]?.destroy();
    openGate(); // the reply is produced while no socket is attached
    await page.locator(".notice", { hasText: "Reconnected: nothing was lost." }).waitFor();
    await page.locator(".message.assistant", { hasText: "sent while you were away" }).waitFor();
    const seen = await noticesSeen(page);
    assert.ok(
      seen.some((text) => /connection lost, reconnecting/.test(text)),
      `notices: ${JSON.stringify(seen)}`,
    );
    await say(page, "again");
    await page.locator(".message.assistant", { hasText: "echo: again" }).waitFor();
    assert.equal(sessions[1], sessions[0], "the same session went on");
    assert.equal(starts, 1, "onChatStart ran once");
    assert.equal(await page.locator(".message.assistant", { hasText: "sent while you were away" }).count(), 1);
  });
});
