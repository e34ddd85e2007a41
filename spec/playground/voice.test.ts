// The voice demo (demo/voice.ts) in the playground with Chromium's fake microphone playing a WAV this test writes:
// the page speaks, the app hears the chunks and answers with a PCM tone, the page plays it through its AudioWorklet
// (non-silent samples counted on the audio thread), and a second utterance barges in and stops playback.
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { connected, launchBrowser, until, withPage } from "./browser.ts";

/** A 16-bit PCM mono WAV of speech-like bursts: voiced tones (a fundamental and its harmonics, gliding) of 150–
 * 300 ms with a soft envelope, 80–150 ms pauses between them. */
function speechLikeWav(seconds: number, rate = 48_000): Uint8Array {
  const samples = new Int16Array(Math.round(seconds * rate));
  let at = 0;
  for (let burst = 0; at < samples.length; burst++) {
    const length = Math.round(rate * (0.15 + 0.05 * (burst % 4)));
    const pitch = 120 + 30 * (burst % 5);
    for (let i = 0; i < length && at + i < samples.length; i++) {
      const t = i / rate;
      const envelope = Math.sin((Math.PI * i) / length);
      const f = pitch * (1 + 0.1 * (i / length));
      let value = 0;
      for (let harmonic = 1; harmonic <= 5; harmonic++) value += Math.sin(2 * Math.PI * f * harmonic * t) / harmonic;
      samples[at + i] = Math.round(value * envelope * 9000);
    }
    at += length + Math.round(rate * (0.08 + 0.035 * (burst % 3)));
  }
  const header = new DataView(new ArrayBuffer(44));
  const text = (offset: number, value: string) => {
    for (let i = 0; i < value.length; i++) header.setUint8(offset + i, value.charCodeAt(i));
  };
  text(0, "RIFF");
  header.setUint32(4, 36 + samples.byteLength, true);
  text(8, "WAVE");
  text(12, "fmt ");
  header.setUint32(16, 16, true); // the fmt chunk's size
  header.setUint16(20, 1, true); // PCM
  header.setUint16(22, 1, true); // mono
  header.setUint32(24, rate, true);
  header.setUint32(28, rate * 2, true); // bytes per second
  header.setUint16(32, 2, true); // bytes per frame
  header.setUint16(34, 16, true); // bits per sample
  text(36, "data");
  header.setUint32(40, samples.byteLength, true);
  const wav = new Uint8Array(44 + samples.byteLength);
  wav.set(new Uint8Array(header.buffer), 0);
  wav.set(new Uint8Array(samples.buffer), 44);
  return wav;
}

let browser: Browser;
let scratch: string;
before(async () => {
  scratch = await mkdtemp(join(tmpdir(), "chatwire-voice-"));
  const wav = join(scratch, "speech.wav");
  await writeFile(wav, speechLikeWav(4));
  browser = await launchBrowser([`--use-file-for-fake-audio-capture=${wav}`]);
});
after(async () => {
  await browser?.close();
  await rm(scratch, { recursive: true, force: true });
});

/** The speaker indicator's counts (playground/src/speaker.ts). */
async function speaker(page: Page): Promise<Record<string, string>> {
  return (await page.evaluate("({ ...document.getElementById('speaking').dataset })")) as Record<string, string>;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test("the page speaks to the voice demo, plays its spoken answer, and a second utterance stops it", async (t) => {
  // The demo registers on the package's default app, as `chatwire run demo/voice.ts` would load it.
  await import("../../demo/voice.ts");
  const { createServer } = await import("chatwire");
  const server = await createServer({ logger: false, data: false });
  await server.listen({ host: "127.0.0.1", port: 0 });
  t.after(() => server.close());
  const address = server.server.address();
  if (address === null || typeof address === "string") throw new Error("not listening on TCP");
  await withPage(t, browser, async (page) => {
    await page.goto(`http://127.0.0.1:${address.port}/`);
    await connected(page);
    assert.equal(await page.evaluate("document.getElementById('speaking').hidden"), true, "quiet before any reply");

    // The first utterance: two seconds of the WAV (the length of a recording is the user's, not an assertion).
    await page.getByRole("button", { name: "Record audio" }).click();
    await page.locator('#mic[aria-pressed="true"]').waitFor();
    await pause(2000);
    await page.getByRole("button", { name: "Stop recording" }).click();
    const reply = page.locator(".message.assistant", { hasText: /I heard (\d+) chunks \((\d+) bytes\)/ }).first();
    const [, chunks, bytes] = /I heard (\d+) chunks \((\d+) bytes\)/.exec((await reply.textContent()) ?? "") ?? [];
    assert.ok(Number(chunks) >= 1 && Number(bytes) > 0, `the app received the recording: ${chunks} chunks, ${bytes} B`);

    // The answer plays: the indicator shows, and the audio thread renders non-silent samples.
    await page.locator("#speaking:not([hidden])").waitFor();
    await until(page, "Number(document.getElementById('speaking').dataset.played) > 0");

    // Barge-in: pressing the microphone stops playback in the same event, before the permission prompt resolves.
    const atPress = (await page.evaluate(`(() => {
      const indicator = document.getElementById("speaking");
      const before = indicator.dataset.speaking;
      document.getElementById("mic").click();
      return { before, after: indicator.dataset.speaking, hidden: indicator.hidden };
    })()`)) as { before: string; after: string; hidden: boolean };
    assert.deepEqual(atPress, { before: "true", after: "false", hidden: true }, "stopped synchronously by the press");
    // The audio thread confirms the stop (its queue cleared); how long that took is measured, not asserted.
    await until(page, "document.getElementById('speaking').dataset.stopMs !== undefined");
    const stopped = await speaker(page);
    console.log(
      `barge-in: the audio thread confirmed the stop ${stopped.stopMs} ms after the press ` +
        `(${stopped.dropped} queued samples dropped, ${stopped.played} non-silent samples played before)`,
    );
    await page.locator('#mic[aria-pressed="true"]').waitFor();
    // While the user talks nothing plays: the client stopped, and the server refuses the reply's further chunks.
    await pause(1000);
    const whileTalking = await speaker(page);
    assert.equal(whileTalking.played, stopped.played, "no sample played after the barge-in");
    assert.equal(whileTalking.speaking, "false");
    await page.getByRole("button", { name: "Stop recording" }).click();

    // The server saw the barge-in (onAudioStart's interrupted), answers the second utterance, and it plays again.
    await page.locator(".message.assistant", { hasText: /You talked over me\. I heard \d+ chunks/ }).waitFor();
    await until(page, `Number(document.getElementById('speaking').dataset.played) > ${Number(stopped.played)}`);
  });
});
