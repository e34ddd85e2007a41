// Streamed steps and `replace` streaming in the playground, against a real server: a step's input and output grow
// token by token while it runs (StepHandle.streamToken), a replacing token swaps the shown text instead of adding to
// it, in a step and in a message, and what stays on the page at the end is what was streamed last. The app waits
// for the test at each stage, so every intermediate state is seen, not raced.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createApp } from "chatwire";
import type { Browser, Locator } from "playwright-core";
import { connected, launchBrowser, say, startServer, withPage } from "./browser.ts";

let browser: Browser;
before(async () => {
  browser = await launchBrowser();
});
after(() => browser?.close());

/** Stages the app waits at; the test opens each once the page shows what came before it. */
function stages(count: number) {
  const opens: (() => void)[] = [];
  const gates = Array.from({ length: count }, () => new Promise<void>((resolve) => opens.push(resolve)));
  return { gates, open: (index: number) => opens[index]?.() };
}

/** The texts of a step's Input, Output and Error blocks, by label. */
const ioOf = async (step: Locator) =>
  step.evaluate((element) => {
    const io = element.querySelector(":scope > .io");
    const labels = [...(io?.querySelectorAll(".io-label") ?? [])].map((label) => label.textContent ?? "");
    const texts = [...(io?.querySelectorAll("pre") ?? [])].map((pre) => pre.textContent ?? "");
    return Object.fromEntries(labels.map((label, index) => [label, texts[index]]));
  });

test("a step's streamed input and output render as they grow; replace swaps them; the end state is the last text", async (t) => {
  const { gates, open } = stages(4);
  const app = createApp();
  app.onMessage(async (ctx) => {
    await ctx.step({ name: "Think", type: "llm" }, async (step) => {
      await step.streamToken("query: ", { input: true });
      await step.streamToken("cats", { input: true });
      await step.streamToken("Thinking");
      await gates[0];
      await step.streamToken(" harder");
      await gates[1];
      await step.streamToken("Final answer", { replace: true });
      await gates[2];
    });
    await gates[3];
    await ctx.send("after the step");
  });
  const { url } = await startServer(t, app.seal());
  await withPage(t, browser, async (page) => {
    await page.goto(url);
    await connected(page);
    await say(page, "go");
    const step = page.locator("details.step", { hasText: "Think" });
    await step.locator("summary").click(); // open it: the step keeps its element, so it stays open as it streams
    await step.locator('pre:text-is("Thinking")').waitFor();
    assert.equal(await step.getAttribute("data-state"), "running");
    assert.deepEqual(await ioOf(step), { Input: "query: cats", Output: "Thinking" });

    open(0);
    await step.locator('pre:text-is("Thinking harder")').waitFor();
    assert.equal(await step.getAttribute("data-state"), "running", "still running: the output grew in place");

    open(1);
    await step.locator('pre:text-is("Final answer")').waitFor();
    assert.deepEqual(await ioOf(step), { Input: "query: cats", Output: "Final answer" }, "replaced, not appended");

    open(2);
    await page.locator('details.step[data-state="done"]', { hasText: "Think" }).waitFor();
    assert.deepEqual(await ioOf(step), { Input: "query: cats", Output: "Final answer" }, "the end keeps what streamed");
    assert.equal(await step.getAttribute("open"), "", "still open after its end");

    open(3);
    await page.locator(".message.assistant", { hasText: "after the step" }).waitFor();
    assert.equal(await page.locator("details.step").count(), 1, "one step, updated in place, never duplicated");
  });
});

test("a message streamed with replace shows the draft, then only the replacement, and ends with what came last", async (t) => {
  const { gates, open } = stages(2);
  const app = createApp();
  app.onMessage(async (ctx) => {
    const reply = await ctx.stream();
    await reply.streamToken("a rough **draft**");
    await gates[0];
    await reply.streamToken("The *clean* answer", { replace: true });
    await gates[1];
    await reply.streamToken(", complete.");
    await reply.endStream();
  });
  const { url } = await startServer(t, app.seal());
  await withPage(t, browser, async (page) => {
    await page.goto(url);
    await connected(page);
    await say(page, "write");
    const reply = page.locator(".message.assistant").last();
    await reply.locator("strong", { hasText: "draft" }).waitFor();
    assert.equal(await reply.evaluate((element) => element.classList.contains("streaming")), true);

    open(0);
    await reply.locator("em", { hasText: "clean" }).waitFor();
    assert.equal(await reply.locator("strong").count(), 0, "the draft is gone, not kept above the replacement");
    assert.doesNotMatch((await reply.textContent()) ?? "", /draft/);

    open(1);
    await page.locator(".message.assistant:not(.streaming)", { hasText: "complete." }).waitFor();
    assert.equal((await reply.locator(".content").textContent())?.trim(), "The clean answer, complete.");
  });
});
