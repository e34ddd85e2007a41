// A voice demo that needs no network: it answers each utterance (or typed message) with a spoken reply from a fake
// TTS — a PCM16 tone at 24 kHz whose length follows the input — streamed at playback pace, so talking over it
// (barge-in) stops it. `node bin/chatwire.js run demo/voice.ts`, then the playground's microphone button.
import { setTimeout as wait } from "node:timers/promises";
import { type EventContext, onAudioChunk, onAudioEnd, onAudioStart, onMessage } from "chatwire";

const SAMPLE_RATE = 24_000;
const CHUNK_MS = 100;

/** The fake TTS: `seconds` of a 440 Hz tone with a short fade in and out, in CHUNK_MS pieces of PCM16. */
function* tone(seconds: number): Generator<Uint8Array> {
  const total = Math.round(seconds * SAMPLE_RATE);
  const perChunk = (SAMPLE_RATE * CHUNK_MS) / 1000;
  for (let start = 0; start < total; start += perChunk) {
    const samples = new Int16Array(Math.min(perChunk, total - start));
    for (let i = 0; i < samples.length; i++) {
      const n = start + i;
      const fade = Math.min(1, n / 480, (total - n) / 480);
      samples[i] = Math.round(Math.sin((2 * Math.PI * 440 * n) / SAMPLE_RATE) * 8000 * fade);
    }
    yield new Uint8Array(samples.buffer);
  }
}

/** Speaks `seconds` of tone, a little ahead of playback; stops when send refuses (the user barged in). */
async function speak(ctx: EventContext, seconds: number): Promise<void> {
  let sent = 0;
  const started = performance.now();
  for (const chunk of tone(seconds)) {
    if (!ctx.audio.send(chunk, { track: "reply", sampleRate: SAMPLE_RATE })) return;
    sent += CHUNK_MS;
    const ahead = sent - (performance.now() - started);
    if (ahead > 2 * CHUNK_MS) await wait(ahead - 2 * CHUNK_MS, undefined, { signal: ctx.signal }).catch(() => {});
    if (ctx.signal.aborted) return;
  }
}

onAudioStart((ctx, start) => {
  ctx.state.set("heard", 0);
  ctx.state.set("chunks", 0);
  ctx.state.set("seconds", 0);
  ctx.state.set("interrupted", start.interrupted);
  if (start.interrupted) ctx.log.info("the user talked over the reply");
  return true;
});

onAudioChunk((ctx, chunk) => {
  ctx.state.set("heard", Number(ctx.state.get("heard") ?? 0) + chunk.data.byteLength);
  ctx.state.set("chunks", Number(ctx.state.get("chunks") ?? 0) + 1);
  ctx.state.set("seconds", chunk.elapsedTime);
});

onAudioEnd(async (ctx) => {
  const bytes = Number(ctx.state.get("heard") ?? 0);
  const chunks = Number(ctx.state.get("chunks") ?? 0);
  // The reply is as long as the utterance was (its last chunk's time), plus half a second.
  const seconds = Math.min(5, 0.5 + Number(ctx.state.get("seconds") ?? 0));
  const over = ctx.state.get("interrupted") === true ? "You talked over me. " : "";
  await ctx.send(`${over}I heard ${chunks} chunks (${bytes} bytes); answering with ${seconds.toFixed(1)} s of tone.`);
  await speak(ctx, seconds);
});

onMessage(async (ctx, message) => {
  const seconds = Math.min(5, 0.5 + message.content.length / 20);
  await ctx.send(`Speaking ${seconds.toFixed(1)} s of tone for "${message.content}".`);
  await speak(ctx, seconds);
});
