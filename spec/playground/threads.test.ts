// The thread list: signing in, listing a user's stored conversations, reopening one through onChatResume, search,
// rename, delete, the phone drawer, and one user never seeing another's threads.
import assert from "node:assert/strict";
import type { Duplex } from "node:stream";
import { after, before, test } from "node:test";
import type { Browser } from "playwright-core";
import { accountsApp, listHolds, signIn, startPersistentServer, threadNamed } from "./accounts.ts";
import { connected, launchBrowser, say, withPage } from "./browser.ts";

let browser: Browser;
before(async () => {
  browser = await launchBrowser();
});
after(() => browser?.close());

test("a signed-in user's conversations are listed; clicking one reopens its history and runs onChatResume", async (t) => {
  const { hooks, resumed } = accountsApp();
  const { url } = await startPersistentServer(t, hooks);
  await withPage(t, browser, async (page) => {
    await page.goto(url);
    await page.locator("#sign-in").waitFor();
    assert.equal(await page.locator("#link").textContent(), "signed out", "no socket before signing in");
    await signIn(page, "ada");
    assert.equal(await page.locator("#who").textContent(), "ADA");
    await page.locator("#threads").waitFor();
    await page.locator("#threads-empty", { hasText: "No conversations yet." }).waitFor();

    await say(page, "first question");
    await page.locator(".message.assistant", { hasText: "echo: first question" }).waitFor();
    await threadNamed(page, "first question").waitFor();
    await page.locator("#new-chat").click();
    await connected(page);
    assert.equal(await page.locator(".message").count(), 0, "a new chat starts on an empty page");
    await say(page, "second question");
    await page.locator(".message.assistant", { hasText: "echo: second question" }).waitFor();
    await threadNamed(page, "second question").waitFor();
    const names = await page.locator("#thread-items .thread-name").allTextContents();
    assert.deepEqual(names, ["second question", "first question"], "newest first");
    assert.equal(await threadNamed(page, "second question").locator("[aria-current=true]").count(), 1);

    await threadNamed(page, "first question").locator(".thread-open").click();
    await page.locator(".message.assistant", { hasText: "welcome back" }).waitFor();
    const log = await page.locator("#log .message .content").allTextContents();
    assert.deepEqual(
      log.map((text) => text.trim()),
      ["first question", "echo: first question", "welcome back"],
      "the history in order, then what onChatResume sent",
    );
    const firstId = await threadNamed(page, "first question").getAttribute("data-id");
    assert.deepEqual(resumed, [`ada:${firstId}`]);
    assert.equal(await threadNamed(page, "first question").locator("[aria-current=true]").count(), 1);

    // The reopened conversation goes on in the same thread: the list does not grow.
    await say(page, "third question");
    await page.locator(".message.assistant", { hasText: "echo: third question" }).waitFor();
    assert.equal(await page.locator("#thread-items .thread").count(), 2);
  });
});

test("another user signing in sees none of the first user's conversations", async (t) => {
  const { hooks } = accountsApp();
  const { url } = await startPersistentServer(t, hooks);
  await withPage(t, browser, async (page) => {
    await page.goto(url);
    await signIn(page, "ada");
    await say(page, "ada's secret plan");
    await threadNamed(page, "ada's secret plan").waitFor();
  });
  await withPage(t, browser, async (page) => {
    await page.goto(url);
    await signIn(page, "bob");
    await page.locator("#threads-empty", { hasText: "No conversations yet." }).waitFor();
    assert.equal(await page.locator("#thread-items .thread").count(), 0);
    const listed = await page.evaluate(async () => (await fetch("/threads")).json());
    assert.deepEqual(listed, { threads: [] }, "the server lists nothing of ada's for bob");
    await say(page, "bob's question");
    await threadNamed(page, "bob's question").waitFor();
    assert.deepEqual(await page.locator("#thread-items .thread-name").allTextContents(), ["bob's question"]);
  });
});

test("a wrong password says so; signing out ends the session and hides the list", async (t) => {
  const { hooks } = accountsApp();
  const { url } = await startPersistentServer(t, hooks);
  await withPage(t, browser, async (page) => {
    await page.goto(url);
    await page.locator("#username").fill("ada");
    await page.locator("#password").fill("not-it");
    await page.locator("#sign-in button[type=submit]").click();
    await page.locator("#sign-in-error", { hasText: "Wrong username or password." }).waitFor();
    assert.equal(await page.locator("#composer").isVisible(), false);
    await signIn(page, "ada");
    await say(page, "before signing out");
    await threadNamed(page, "before signing out").waitFor();
    await page.locator("#sign-out").click();
    await page.locator("#sign-in").waitFor();
    assert.equal(await page.locator("#threads").isVisible(), false);
    assert.equal(await page.locator(".message").count(), 0);
    const me = await page.evaluate(async () => (await fetch("/auth/me")).status);
    assert.equal(me, 401, "the cookie is gone");
    await page.reload();
    await page.locator("#sign-in").waitFor();
  });
});

test("search narrows the list by name; rename and delete change the stored threads", async (t) => {
  const { hooks } = accountsApp();
  const { url } = await startPersistentServer(t, hooks);
  await withPage(t, browser, async (page) => {
    await page.goto(url);
    await signIn(page, "ada");
    for (const [index, text] of ["apples", "bananas", "apricots"].entries()) {
      if (index > 0) await page.locator("#new-chat").click();
      await connected(page);
      await say(page, text);
      await threadNamed(page, text).waitFor();
    }
    await page.locator("#thread-search").fill("ap");
    await listHolds(page, 2);
    assert.deepEqual(await page.locator("#thread-items .thread-name").allTextContents(), ["apricots", "apples"]);
    await page.locator("#thread-search").fill("kiwi");
    await page.locator("#threads-empty", { hasText: "No conversation matches." }).waitFor();
    await page.locator("#thread-search").fill("");
    await listHolds(page, 3);

    await threadNamed(page, "bananas").locator(".thread-rename").click();
    await page.locator(".thread-name-input").fill("yellow fruit");
    await page.locator(".thread-name-input").press("Enter");
    await threadNamed(page, "yellow fruit").waitFor();
    page.once("dialog", (dialog) => void dialog.accept());
    await threadNamed(page, "apples").locator(".thread-delete").click();
    await listHolds(page, 2);

    await page.reload();
    await connected(page);
    await listHolds(page, 2);
    assert.deepEqual(await page.locator("#thread-items .thread-name").allTextContents(), ["apricots", "yellow fruit"]);
  });
});

test("on a phone-sized window the list is a drawer: closed at first, opened from the header, closed by a tap beside it or a choice", async (t) => {
  const { hooks } = accountsApp();
  const { url } = await startPersistentServer(t, hooks);
  await withPage(
    t,
    browser,
    async (page) => {
      await page.goto(url);
      await signIn(page, "ada");
      await say(page, "on the go");
      await page.locator(".message.assistant", { hasText: "echo: on the go" }).waitFor();
      const toggle = page.locator("#threads-toggle");
      await toggle.waitFor();
      assert.equal(await page.locator("#threads").isVisible(), false, "closed at first on a phone");
      await toggle.click();
      await threadNamed(page, "on the go").waitFor();
      assert.equal(await toggle.getAttribute("aria-expanded"), "true");
      const box = await page.locator("#threads").boundingBox();
      assert.ok(box !== null && box.width <= 390 * 0.85 + 1, `the drawer leaves room: ${JSON.stringify(box)}`);
      await page.mouse.click(375, 400); // beside the drawer, on the chat
      await page.locator("#threads").waitFor({ state: "hidden" });
      await toggle.click();
      await threadNamed(page, "on the go").waitFor();
      await page.locator("#new-chat").click();
      await page.locator("#threads").waitFor({ state: "hidden" });
      assert.equal(await toggle.getAttribute("aria-expanded"), "false");
      await connected(page);
      assert.equal(await page.locator(".message").count(), 0);
    },
    { width: 390, height: 760 },
  );
});

test("when the server revokes the page's token, the next connection asks to sign in again", async (t) => {
  const { hooks } = accountsApp();
  const { server, url } = await startPersistentServer(t, hooks);
  const upgraded: Duplex[] = [];
  server.server.on("upgrade", (_request, socket: Duplex) => upgraded.push(socket));
  await withPage(t, browser, async (page) => {
    await page.goto(url);
    await signIn(page, "ada");
    await say(page, "before the token goes");
    await threadNamed(page, "before the token goes").waitFor();
    const token = (await page.context().cookies()).find((cookie) => cookie.name === "chatwire_token")?.value;
    assert.ok(token, "the login set the session cookie");
    const revoked = await server.inject({
      method: "POST",
      url: "/auth/logout",
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(revoked.statusCode, 200);
    upgraded.at(-1)?.destroy(); // the page reconnects, and its upgrade is refused (4401)
    await page.locator("#sign-in-error", { hasText: "Your session has ended: sign in again." }).waitFor();
    assert.equal(await page.locator("#threads").isVisible(), false);
    assert.equal(await page.locator(".message").count(), 0);
    await signIn(page, "ada");
    await threadNamed(page, "before the token goes").waitFor();
  });
});
