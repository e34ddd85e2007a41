// chatwire/react in Chromium: a React page (spec/react/page.ts, bundled here with esbuild, React in development
// mode under StrictMode) runs a conversation against a real server: an action, a stream, stop, an ask, and a
// connection cut mid-stream that resumes with every token once.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { build } from "esbuild";
import type { FastifyInstance } from "fastify";
import type { Browser, Page } from "playwright-core";
import { createApp } from "../../lib/hooks/registrars.ts";
import { eventually, launchBrowser, startServer, upgradesOf, withPage } from "../playground/browser.ts";

let browser: Browser;
let bundle = "";
before(async () => {
  browser = await launchBrowser();
  const built = await build({
    entryPoints: [new URL("./page.ts", import.meta.url).pathname],
    bundle: true,
    write: false,
    format: "esm",
    platform: "browser",
    target: "es2022",
    define: { "process.env.NODE_ENV": '"development"' },
    logLevel: "error",
  });
  bundle = built.outputFiles[0]?.text ?? "";
});
after(() => browser?.close());

/** Serves the React page at /react/ beside the gateway. */
const servePage = (server: FastifyInstance) => {
  server.get("/react/", (_request, reply) =>
    reply.type("text/html").send('<!doctype html><div id="root"></div><script type="module" src="app.js"></script>'),
  );
  server.get("/react/app.js", (_request, reply) => reply.type("text/javascript").send(bundle));
};

const TOKENS = 400;
const DROP_AT = 200;

function app() {
  const chat = createApp();
  let openGate: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => {
    openGate = resolve;
  });
  const stops: string[] = [];
  chat.onChatStart(async (ctx) => {
    await ctx.send({ content: "Hello", actions: [{ name: "approve", label: "Approve" }] });
  });
  chat.onStop(async (ctx) => {
    await ctx.send("Stopped.");
  });
  chat.actionCallback("approve", async (ctx) => {
    await ctx.send("approved");
  });
  chat.onMessage(async (ctx, message) => {
    if (message.content === "count") {
      const reply = await ctx.stream();
      for (let i = 1; i <= TOKENS; i++) {
        if (i === DROP_AT) await gate;
        await reply.streamToken(`${i} `);
      }
      await reply.endStream();
    } else if (message.content === "long") {
      await ctx.send("working");
      await new Promise<void>((resolve) => ctx.signal.addEventListener("abort", () => resolve(), { once: true }));
      stops.push(String(ctx.signal.reason));
      // A stopped task's sends are refused: "Stopped." comes from onStop.
    } else if (message.content === "ask") {
      await ctx.send(`hello ${await ctx.askText("What is your name?")}`);
    }
  });
  return { hooks: chat.seal(), openGate, stops };
}

const say = async (page: Page, text: string) => {
  await page.locator("#input").fill(text);
  await page.locator("#input").press("Enter");
};

test("a React page on useChat: action, stream, stop, ask, and a cut connection resumed with every token once", async (t) => {
  const { hooks, openGate, stops } = app();
  const { server, url } = await startServer(t, hooks, { prepare: servePage });
  const upgraded = upgradesOf(server);
  await withPage(t, browser, async (page) => {
    await page.goto(`${url}react/`);
    await page.locator('main[data-status="open"]').waitFor();
    const approve = page.getByRole("button", { name: "Approve" });
    await approve.click();
    await page.locator(".message.assistant", { hasText: "approved" }).waitFor();
    await page.locator('main[data-busy="false"]').waitFor();
    assert.equal(await approve.isDisabled(), false, "pressable again once its task has ended");

    await say(page, "count");
    const reply = page.locator(".message.assistant").last();
    await reply.locator(".content", { hasText: `${DROP_AT - 1} ` }).waitFor();
    const sockets = upgraded.length;
    upgraded.at(-1)?.destroy(); // a network failure: no close frame
    await page.locator('main[data-status="reconnecting"]').waitFor();
    openGate(); // the rest is produced while the page is offline
    await eventually(() => (upgraded.length > sockets ? true : undefined), "the page's new socket");
    await page.locator('main[data-status="open"]').waitFor();
    await page.locator('.message.assistant[data-streaming="false"]', { hasText: `${TOKENS} ` }).waitFor();
    const expected = Array.from({ length: TOKENS }, (_, i) => `${i + 1} `).join("");
    assert.equal(await reply.locator(".content").textContent(), expected, "every token once, in order");
    assert.deepEqual(
      await page.locator(".message .content").allTextContents(),
      ["Hello", "approved", "count", expected],
      "nothing shown twice",
    );

    await say(page, "long");
    await page.locator(".message.assistant", { hasText: "working" }).waitFor();
    await page.locator("#stop").click();
    await page.locator(".message.assistant", { hasText: "Stopped." }).waitFor();
    await page.locator("#stop").waitFor({ state: "detached" });
    assert.match(stops[0] ?? "", /stop/);

    await say(page, "ask");
    await page.locator('#input[placeholder="What is your name?"]').waitFor();
    await say(page, "Ada");
    await page.locator(".message.assistant", { hasText: "hello Ada" }).waitFor();
    assert.equal(await page.locator("#input").getAttribute("placeholder"), "Message");
  });
});
