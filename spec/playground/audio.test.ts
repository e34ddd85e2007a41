// The microphone button with Chromium's fake device: MediaRecorder chunks reach onAudioChunk in order.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createApp, type InputAudioChunk } from "chatwire";
import type { Browser } from "playwright-core";
import { connected, eventually, launchBrowser, say, startServer, until, withPage } from "./browser.ts";

let browser: Browser;
before(async () => {
  browser = await launchBrowser();
});
after(() => browser?.close());

test("recording sends audio_start, chunks in order with isStart on the first, then audio_end", async (t) => {
  const app = createApp();
  const events: string[] = [];
  const chunks: InputAudioChunk[] = [];
  app.onAudioStart((_ctx, start) => {
    events.push(`start ${start.mimeType}`);
    return true;
  });
  app.onAudioChunk((_ctx, chunk) => {
    chunks.push({ ...chunk, data: new Uint8Array(chunk.data) });
  });
  app.onAudioEnd(async (ctx) => {
    events.push(`end after ${chunks.length}`);
    await ctx.send(`got ${chunks.length} chunks`);
  });
  const { url } = await startServer(t, app.seal());
  await withPage(t, browser, async (page) => {
    await page.goto(url);
    await connected(page);
    const mic = page.getByRole("button", { name: "Record audio" });
    await mic.click();
    await page.locator('#mic[aria-pressed="true"]').waitFor();
    await eventually(() => (chunks.length >= 3 ? true : undefined), "three audio chunks");
    await page.getByRole("button", { name: "Stop recording" }).click();
    await page.locator(".message.assistant", { hasText: /got \d+ chunks/ }).waitFor();
    assert.match(events[0] ?? "", /^start audio\/webm/);
    assert.equal(events[1], `end after ${chunks.length}`);
    assert.deepEqual(
      chunks.map((chunk) => chunk.isStart),
      chunks.map((_, index) => index === 0),
    );
    // The bytes are the recording itself, first chunk first: a WebM file starts with the EBML magic number.
    assert.deepEqual([...(chunks[0]?.data.subarray(0, 4) ?? [])], [0x1a, 0x45, 0xdf, 0xa3]);
    const times = chunks.map((chunk) => chunk.elapsedTime);
    assert.deepEqual(
      times,
      [...times].sort((a, b) => a - b),
    );
    assert.ok(chunks.every((chunk) => chunk.mimeType === chunks[0]?.mimeType && chunk.data.byteLength > 0));
    assert.equal(await page.locator('#mic[aria-pressed="false"]').count(), 1);
  });
});

/** Holds getUserMedia until `window.grant()`, and keeps every stream it gave in `window.streams`. */
const pendingPermission = `
  const real = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  window.streams = [];
  window.asked = 0;
  let grant;
  const granted = new Promise((resolve) => { grant = resolve; });
  window.grant = grant;
  navigator.mediaDevices.getUserMedia = async (constraints) => {
    window.asked++;
    await granted;
    const stream = await real(constraints);
    window.streams.push(stream);
    return stream;
  };
`;

/** How many of the page's microphone streams still have a live track. */
const liveStreams = "window.streams.filter((s) => s.getTracks().some((track) => track.readyState === 'live')).length";

/** An app that counts recordings and echoes messages (a barrier: frames sent before it are handled before it). */
function countingApp() {
  const app = createApp();
  const starts: string[] = [];
  app.onAudioStart((_ctx, start) => {
    starts.push(start.mimeType);
    return true;
  });
  app.onMessage(async (ctx, message) => {
    await ctx.send(`echo: ${message.content}`);
  });
  return { hooks: app.seal(), starts };
}

test("a second click while the microphone permission is pending cancels: no recorder, the microphone closed", async (t) => {
  const { hooks, starts } = countingApp();
  const { url } = await startServer(t, hooks);
  await withPage(t, browser, async (page) => {
    await page.addInitScript(pendingPermission);
    await page.goto(url);
    await connected(page);
    const mic = page.locator("#mic");
    await mic.click();
    await mic.click();
    await page.evaluate("window.grant()");
    await until(page, "window.streams.length === window.asked");
    assert.equal(await page.evaluate("window.asked"), 1, "one permission request, not two");
    await until(page, `${liveStreams} === 0`);
    assert.equal(await page.locator('#mic[aria-pressed="false"]').count(), 1);
    await say(page, "barrier");
    await page.locator(".message.assistant", { hasText: "echo: barrier" }).waitFor();
    assert.deepEqual(starts, [], "no recording started");
  });
});

test("when MediaRecorder cannot be made, the page says so and closes the microphone", async (t) => {
  const { hooks, starts } = countingApp();
  const { url } = await startServer(t, hooks);
  await withPage(t, browser, async (page) => {
    await page.addInitScript(pendingPermission);
    await page.addInitScript(`
      window.MediaRecorder = class { constructor() { throw new DOMException("no encoder", "NotSupportedError"); } };
    `);
    await page.goto(url);
    await connected(page);
    await page.locator("#mic").click();
    await page.evaluate("window.grant()");
    await until(page, "window.streams.length === 1");
    await until(page, `${liveStreams} === 0`);
    await page.locator(".notice", { hasText: "Cannot record: no encoder" }).waitFor();
    assert.equal(await page.locator('#mic[aria-pressed="false"]').count(), 1);
    await say(page, "barrier");
    await page.locator(".message.assistant", { hasText: "echo: barrier" }).waitFor();
    assert.deepEqual(starts, []);
  });
});
