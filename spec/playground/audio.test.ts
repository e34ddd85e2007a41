// The microphone button with Chromium's fake device: MediaRecorder chunks reach onAudioChunk in order.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Browser } from "playwright-core";
import type { InputAudioChunk } from "../../lib/hooks/payloads.ts";
import { createApp } from "../../lib/hooks/registrars.ts";
import { connected, eventually, launchBrowser, startServer, withPage } from "./browser.ts";

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
