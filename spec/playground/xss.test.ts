// The page must be safe without its Content-Security-Policy (a proxy may drop the header, a host may frame it
// under a laxer one): hostile text from the server, wherever the page shows it, never becomes a live handler or a
// javascript: URL. Served without the header, nothing runs; with it, the browser reports no violation, which it
// does as soon as any document of the page, even an inert one, parses an inline handler.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, type TestContext, test } from "node:test";
import { ChatwireError, createApp, createSqliteLayer } from "chatwire";
import type { Browser, Page } from "playwright-core";
import { signIn } from "./accounts.ts";
import { launchBrowser, say, startServer, until, withPage } from "./browser.ts";
import { payloads, unsafeUrls } from "./xss-payloads.ts";

let browser: Browser;
before(async () => {
  browser = await launchBrowser();
});
after(() => browser?.close());

const AUTH_SECRET = "playground-xss-test-secret-0123456789-abcdef";
const everything = payloads.map(([, html]) => html).join("\n\n");

/** An app that puts every payload wherever the page shows server text: message content (whole and streamed),
 * author, action labels and tooltips, element names (with hostile URLs), step names, inputs and outputs, an ask's
 * prompt and an error's message. */
function hostileApp() {
  const app = createApp();
  app.passwordAuth(({ username, password }) =>
    username === "ada" && password === "ada-pw"
      ? { identifier: "ada", displayName: payloads[0]?.[1] ?? "" }
      : undefined,
  );
  app.actionCallback("noop", () => undefined);
  app.actionCallback("ask", async (ctx) => {
    await ctx.askText({ content: everything, timeoutMs: 60_000 }).catch(() => undefined);
  });
  app.actionCallback("fail", () => {
    throw new ChatwireError("HANDLER_FAILED", everything);
  });
  app.onMessage(async (ctx) => {
    for (const [index, [, html]] of payloads.entries()) {
      await ctx.send({
        content: html,
        author: html,
        actions: [{ name: "noop", label: html, tooltip: html }],
        elements: [
          { name: html, url: unsafeUrls[index % unsafeUrls.length] ?? "javascript:pwned('element')" },
          { name: `${html} (image)`, url: unsafeUrls[(index + 1) % unsafeUrls.length] ?? "x", mime: "image/png" },
        ],
      });
      await ctx.step({ name: html, type: "tool", input: html }, (step) => {
        step.output = html;
      });
    }
    const streamed = await ctx.stream({ author: everything.slice(0, 200) });
    for (const [, html] of payloads) await streamed.streamToken(`${html}\n\n`);
    await streamed.endStream();
    await ctx.thread.rename(payloads[1]?.[1] ?? "x");
    await ctx.send({
      content: "done",
      actions: [
        { name: "ask", label: "ask" },
        { name: "fail", label: "fail" },
      ],
    });
  });
  return app.seal();
}

/** A signed-in user's server with SQLite, whose thread list already holds one thread named after each payload. */
async function startHostileServer(t: TestContext, withCsp: boolean): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "chatwire-xss-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, "chatwire.db");
  const seed = createSqliteLayer({ path });
  await seed.migrate();
  const ada = await seed.upsertUser({ identifier: "ada" });
  for (const [index, [, html]] of payloads.entries()) {
    await seed.createThread({ id: `xss-${index}`, userId: ada.id, name: html.slice(0, 200) });
  }
  await seed.close();
  const { url } = await startServer(t, hostileApp(), {
    data: { sqlite: path },
    auth: { secret: AUTH_SECRET },
    // Test-only: the page as a proxy that drops the header would serve it.
    prepare: (server) => {
      if (!withCsp)
        server.addHook("onSend", async (_request, reply, body) => {
          reply.removeHeader("content-security-policy");
          return body;
        });
    },
  });
  return url;
}

/** Signs in, lets the app send everything, then pokes every element that shows server text. */
async function showEverything(page: Page): Promise<void> {
  await page.locator("#sign-in").waitFor();
  await signIn(page, "ada");
  await say(page, everything); // the user's own message goes through the same rendering
  await page.locator(".message.assistant .content", { hasText: /^\s*done\s*$/ }).waitFor();
  await page.locator("#thread-items .thread").nth(payloads.length).waitFor(); // the seeded ones and this one
  await page.locator("button.action", { hasText: /^fail$/ }).click();
  const notice = page.locator(".notice.error", { hasText: "HANDLER_FAILED" });
  await notice.waitFor();
  assert.equal(await notice.textContent(), `HANDLER_FAILED: ${everything}`, "the error's message, as text");
  await page.locator("button.action", { hasText: /^ask$/ }).click(); // its task waits for the answer: last
  await page.locator(".message.ask").waitFor();

  // Inline handlers run for synthetic events too: if any element kept one, this fires it.
  await page.evaluate(`(() => {
    const kinds = ["mouseover", "mouseenter", "mousemove", "pointerover", "focus", "blur", "toggle", "beforetoggle",
      "load", "error", "animationstart", "animationend", "transitionend", "begin", "end", "change", "auxclick"];
    for (const root of document.querySelectorAll("#log, #thread-items, #notices, #who"))
      for (const element of [root, ...root.querySelectorAll("*")])
        for (const kind of kinds) element.dispatchEvent(new Event(kind, { bubbles: false }));
  })()`);
  for (const summary of await page.locator("#log details.step > summary").all()) await summary.click();
  for (const target of await page.locator("#log .content a, #log .elements a, #log .content img").all()) {
    await target.hover();
    await target.click();
  }
  await page.locator("#log .content").first().hover();
  // Images that failed to load fire `error` asynchronously: wait until every one is settled.
  await until(page, `[...document.images].every((image) => image.complete)`);
  // Events queued by the clicks (toggle, focus, load) run within a few tasks: let them, before anyone checks.
  await page.evaluate("new Promise((resolve) => setTimeout(resolve, 250))");
}

/** What the page holds that could run: handler attributes, script-bearing URLs, elements that load documents. */
async function liveScript(page: Page): Promise<string[]> {
  return (await page.evaluate(`(() => {
    const found = [];
    const urlish = /^(href|src|action|formaction|data|xlink:href|srcdoc|background|poster|ping)$/i;
    for (const element of document.body.querySelectorAll("*")) {
      for (const attribute of element.attributes) {
        const value = attribute.value.replace(/[\\u0000-\\u0020]/g, "").toLowerCase();
        if (/^on/i.test(attribute.name)) found.push(element.localName + "[" + attribute.name + "]");
        else if (urlish.test(attribute.name) && /^(javascript|vbscript|data:(?!image\\/(png|gif|jpeg|webp)))/.test(value))
          found.push(element.localName + "[" + attribute.name + "=" + attribute.value + "]");
      }
    }
    for (const element of document.body.querySelectorAll("iframe, object, embed, script, .content form, .content style, base, meta"))
      found.push(element.localName);
    return found;
  })()`)) as string[];
}

test("served without its CSP, hostile text in every field the page shows runs nothing", async (t) => {
  const url = await startHostileServer(t, false);
  await withPage(t, browser, async (page) => {
    const ran: string[] = [];
    await page.exposeFunction("pwned", (label: string) => ran.push(label));
    const response = await page.goto(url);
    assert.equal(response?.headers()["content-security-policy"], undefined, "the page really has no CSP here");
    await showEverything(page);
    assert.deepEqual(ran, [], "no payload ran");
    assert.deepEqual(await liveScript(page), [], "nothing that could run is in the page");

    // Text fields show the text itself; raw HTML in Markdown is shown, not interpreted.
    const [, first] = payloads[0] ?? [];
    const message = page.locator("#log .message.assistant").first();
    assert.equal(await message.locator(".author").textContent(), first);
    assert.equal(await message.locator("button.action").first().textContent(), first);
    assert.equal(await message.locator("button.action").first().getAttribute("title"), first);
    assert.equal(await message.locator(".elements .element-name").first().textContent(), first);
    const step = page.locator("#log .step").first();
    assert.equal(await step.locator(".step-name").textContent(), first);
    assert.deepEqual(await step.locator(".io pre").allTextContents(), [first, first], "input and output");
    assert.equal((await message.locator(".content").textContent())?.trim(), first);
    assert.equal(await page.locator("#who").textContent(), first);
    const titles = await page.locator("#thread-items .thread-name").allTextContents();
    for (const [, html] of payloads) assert.ok(titles.includes(html.slice(0, 200)), `thread title ${html}`);
    assert.equal(await page.locator("#input").getAttribute("placeholder"), `Your answer: ${everything}`);
  });
});

/** Starts collecting the page's CSP violation reports (before it loads). */
async function recordViolations(page: Page): Promise<string[]> {
  const violations: string[] = [];
  await page.exposeFunction("violated", (report: string) => violations.push(report));
  await page.addInitScript(`document.addEventListener("securitypolicyviolation", (event) =>
    violated(event.effectiveDirective + " " + event.blockedURI + " " + event.sample), true)`);
  return violations;
}

test("with its CSP, the same page reports no violation: no handler was ever parsed, even inertly", async (t) => {
  const url = await startHostileServer(t, true);
  await withPage(t, browser, async (page) => {
    const ran: string[] = [];
    await page.exposeFunction("pwned", (label: string) => ran.push(label));
    const violations = await recordViolations(page);
    const response = await page.goto(url);
    assert.match(response?.headers()["content-security-policy"] ?? "", /script-src 'self'/);
    await showEverything(page);
    assert.deepEqual(ran, []);
    assert.deepEqual(violations, [], "the browser reported a CSP violation");
  });
});

// A 1×1 PNG, served by the test server as an element's bytes.
const PIXEL = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=",
  "base64",
);

test("what stays: Markdown, formatting tags without attributes, and elements with http(s) URLs", async (t) => {
  const app = createApp();
  app.onChatStart(async (ctx) => {
    await ctx.send({
      content:
        "**bold** <b>b</b> H<sub>2</sub>O [docs](https://docs.example/) `<i>`\n\n<details>\n<summary>More</summary>\nhidden\n</details>",
      elements: [
        { name: "pixel.png", url: "/pixel.png", mime: "image/png" },
        { name: "report.pdf", url: "/files/report.pdf", mime: "application/pdf", display: "side" },
      ],
    });
  });
  const { url } = await startServer(t, app.seal(), {
    prepare: (server) => {
      server.get("/pixel.png", (_request, reply) => reply.type("image/png").send(PIXEL));
    },
  });
  await withPage(t, browser, async (page) => {
    const violations = await recordViolations(page);
    await page.goto(url);
    const message = page.locator(".message.assistant");
    await message.waitFor();
    const content = message.locator(".content");
    assert.equal(await content.locator("strong").textContent(), "bold");
    assert.equal(await content.locator("b").textContent(), "b");
    assert.equal(await content.locator("sub").textContent(), "2");
    assert.equal(await content.locator("code").textContent(), "<i>");
    assert.equal(await content.locator("details > summary").textContent(), "More");
    const link = content.locator("a");
    assert.equal(await link.getAttribute("href"), "https://docs.example/");
    assert.equal(await link.getAttribute("target"), "_blank");
    assert.equal(await link.getAttribute("rel"), "noopener noreferrer");
    const image = message.locator(".elements figure.element img");
    assert.equal(await image.getAttribute("src"), `${url}pixel.png`);
    assert.equal(await image.getAttribute("alt"), "pixel.png");
    await until(page, `document.querySelector(".elements img")?.naturalWidth === 1`);
    const file = message.locator(".elements a.element");
    assert.equal(await file.getAttribute("href"), `${url}files/report.pdf`);
    assert.equal(await file.textContent(), "report.pdf");
    assert.deepEqual(violations, []);
  });
});
