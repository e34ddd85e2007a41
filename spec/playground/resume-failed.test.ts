// resume_failed: the live session is gone when the page comes back. The page says so, then reopens the stored
// conversation if there is one (a user's own by id, an anonymous one by its secret), else starts a new one.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Duplex } from "node:stream";
import { after, before, test } from "node:test";
import { createApp } from "chatwire";
import type { FastifyInstance } from "fastify";
import type { Browser, Page } from "playwright-core";
import { accountsApp, signIn, startPersistentServer } from "./accounts.ts";
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

/** The session outlives a dropped socket by this much: less than the page's first retry delay (200 ms or more). */
const GRACE_MS = 20;

/** Cuts the page's socket and waits for the page to be back with a new session (after its resume failed). */
async function loseSession(page: Page, upgraded: Duplex[]): Promise<void> {
  const count = upgraded.length;
  upgraded.at(-1)?.destroy();
  await page.locator('#link[data-state="reconnecting"]').waitFor();
  await eventually(() => (upgraded.length > count ? true : undefined), "the page's new socket");
  await connected(page);
}

test("a signed-in page whose session expired says so and reopens the conversation with onChatResume", async (t) => {
  const { hooks, resumed } = accountsApp();
  const { server, url } = await startPersistentServer(t, hooks, { reconnectGraceMs: GRACE_MS });
  const upgraded = upgradesOf(server);
  await withPage(t, browser, async (page) => {
    await page.goto(url);
    await signIn(page, "ada");
    await say(page, "remember me");
    await page.locator(".message.assistant", { hasText: "echo: remember me" }).waitFor();
    const threadId = await page.locator("#thread-items .thread").getAttribute("data-id");
    await loseSession(page, upgraded);
    await page.locator(".notice", { hasText: "The session could not be resumed (it had expired)" }).waitFor();
    await page.locator(".notice", { hasText: "the conversation was reopened" }).waitFor();
    await page.locator(".message.assistant", { hasText: "welcome back" }).waitFor();
    const log = await page.locator("#log .message .content").allTextContents();
    assert.deepEqual(
      log.map((text) => text.trim()),
      ["remember me", "echo: remember me", "welcome back"],
      "the history once (not duplicated below the old messages), then onChatResume's greeting",
    );
    assert.deepEqual(resumed, [`ada:${threadId}`]);
    await say(page, "still here");
    await page.locator(".message.assistant", { hasText: "echo: still here" }).waitFor();
    assert.equal(await page.locator("#thread-items .thread").count(), 1, "the same thread went on");
  });
});

test("an anonymous page whose session expired reopens its stored conversation by the thread's secret", async (t) => {
  const app = createApp();
  const resumed: string[] = [];
  app.onMessage(async (ctx, message) => {
    await ctx.send(`echo: ${message.content}`);
  });
  app.onChatResume(async (ctx) => {
    resumed.push(ctx.threadId);
    await ctx.send("welcome back, stranger");
  });
  const dir = await mkdtemp(join(tmpdir(), "chatwire-playground-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const data = { sqlite: join(dir, "chatwire.db") };
  const { server, url } = await startServer(t, app.seal(), { data, reconnectGraceMs: GRACE_MS });
  const upgraded = upgradesOf(server);
  await withPage(t, browser, async (page) => {
    await page.goto(url);
    await connected(page);
    assert.equal(await page.locator("#threads").isVisible(), false, "no list without a user");
    await say(page, "hello");
    await page.locator(".message.assistant", { hasText: "echo: hello" }).waitFor();
    await loseSession(page, upgraded);
    await page.locator(".notice", { hasText: "the conversation was reopened" }).waitFor();
    await page.locator(".message.assistant", { hasText: "welcome back, stranger" }).waitFor();
    const log = await page.locator("#log .message .content").allTextContents();
    assert.deepEqual(
      log.map((text) => text.trim()),
      ["hello", "echo: hello", "welcome back, stranger"],
    );
    assert.equal(resumed.length, 1);
  });
});

test("when nothing was stored, a page whose session expired says so and starts a new conversation", async (t) => {
  const app = createApp();
  const starts: string[] = [];
  app.onChatStart((ctx) => {
    starts.push(ctx.sessionId);
  });
  app.onMessage(async (ctx, message) => {
    await ctx.send(`echo: ${message.content}`);
  });
  const { server, url } = await startServer(t, app.seal(), { reconnectGraceMs: GRACE_MS });
  const upgraded = upgradesOf(server);
  await withPage(t, browser, async (page) => {
    await page.goto(url);
    await connected(page);
    await say(page, "hi");
    await page.locator(".message.assistant", { hasText: "echo: hi" }).waitFor();
    await loseSession(page, upgraded);
    await page.locator(".notice", { hasText: "The session could not be resumed (it had expired)" }).waitFor();
    await page.locator(".notice", { hasText: "this is a new conversation" }).waitFor();
    await page.locator(".divider", { hasText: "this is a new conversation" }).waitFor();
    await eventually(() => starts[1], "onChatStart of the new session");
    assert.notEqual(starts[1], starts[0]);
    await say(page, "again");
    await page.locator(".message.assistant", { hasText: "echo: again" }).waitFor();
    assert.equal(await page.locator(".notice.error").count(), 0, "no error on the way");
  });
});

/** Refuses every WebSocket upgrade (the page stays offline, retrying) until the returned function is called. */
function holdUpgrades(server: FastifyInstance): () => void {
  const listeners = server.server.listeners("upgrade") as ((...args: unknown[]) => void)[];
  server.server.removeAllListeners("upgrade");
  server.server.on("upgrade", (_request, socket: Duplex) => socket.destroy());
  return () => {
    server.server.removeAllListeners("upgrade");
    for (const listener of listeners) server.server.on("upgrade", listener);
  };
}

test("what the page queued for a session that could not be resumed is dropped, not sent to the new one", async (t) => {
  const app = createApp();
  const ended: string[] = [];
  const heard: string[] = [];
  app.onMessage(async (ctx, message) => {
    heard.push(message.content);
    if (message.content === "ask me") await ctx.send(`hello ${await ctx.askText("What is your name?")}`);
    else await ctx.send(`echo: ${message.content}`);
  });
  app.onChatEnd((ctx) => {
    ended.push(ctx.sessionId);
  });
  const { server, url } = await startServer(t, app.seal(), { reconnectGraceMs: GRACE_MS });
  const upgraded = upgradesOf(server);
  await withPage(t, browser, async (page) => {
    await page.goto(url);
    await connected(page);
    await recordNotices(page);
    await say(page, "ask me");
    await page.locator(".message.ask", { hasText: "What is your name?" }).waitFor();
    const release = holdUpgrades(server);
    upgraded.at(-1)?.destroy();
    await page.locator('#link[data-state="reconnecting"]').waitFor();
    await say(page, "Ada"); // the answer to an ask of the session that is about to expire: queued
    await eventually(() => ended[0], "the old session's end");
    release();
    await page.locator(".notice", { hasText: "The session could not be resumed" }).waitFor();
    await say(page, "barrier"); // handled after anything the page sent on reconnecting
    await page.locator(".message.assistant", { hasText: "echo: barrier" }).waitFor();
    const seen = await noticesSeen(page);
    assert.ok(!seen.some((text) => /UNKNOWN_ASK/.test(text)), `notices: ${JSON.stringify(seen)}`);
    assert.equal(await page.locator(".notice.error").count(), 0);
    assert.deepEqual(heard, ["ask me", "barrier"]);
    assert.ok(
      seen.some((text) => text.endsWith("What you did while offline was not sent.")),
      `the page says so: ${JSON.stringify(seen)}`,
    );
  });
});
