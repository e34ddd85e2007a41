// The demo app (demo/app.ts, what `npm start` serves) in the playground, as a visitor would try it.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Browser } from "playwright-core";
import { connected, launchBrowser, say, withPage } from "./browser.ts";

let browser: Browser;
before(async () => {
  browser = await launchBrowser();
});
after(() => browser?.close());

test("the demo's /stream leaves no abort listener behind per word (no MaxListenersExceededWarning)", async (t) => {
  const warnings: string[] = [];
  const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
  process.on("warning", onWarning);
  t.after(() => process.off("warning", onWarning));
  // The demo registers on the package's default app, as `chatwire run demo/app.ts` would load it.
  await import("../../demo/app.ts");
  const { createServer } = await import("chatwire");
  const server = await createServer({ logger: false, data: false });
  await server.listen({ host: "127.0.0.1", port: 0 });
  t.after(() => server.close());
  const address = server.server.address();
  if (address === null || typeof address === "string") throw new Error("not listening on TCP");
  await withPage(t, browser, async (page) => {
    await page.goto(`http://127.0.0.1:${address.port}/`);
    await connected(page);
    await say(page, "/stream 30");
    await page.locator(".message.assistant:not(.streaming)", { hasText: "word30" }).waitFor();
    await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick
    assert.deepEqual(warnings, []);
  });
});
