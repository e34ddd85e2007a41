// chatwire/client's output audio against a real gateway: chunk events with their track's format, the server's
// interrupt and the client's own barge-in as events, and the player driven by them (over a recording stand-in for
// Web Audio, which Node does not have; spec/playground plays it in Chromium).
import assert from "node:assert/strict";
import { test } from "node:test";
import { type AudioChunkEvent, type AudioContextLike, createAudioPlayer } from "../../lib/client/index.ts";
import { createApp } from "../../lib/hooks/registrars.ts";
import { client, eventually, startChat } from "./support.ts";

const pcm = (values: number[]) => new Uint8Array(new Int16Array(values).buffer);

/** Records what a player schedules and stops; time does not pass, so whatever was scheduled stays "playing". */
function recordingContext() {
  const started: number[] = [];
  let stopped = 0;
  const context: AudioContextLike = {
    currentTime: 0,
    destination: {},
    state: "running",
    resume: async () => undefined,
    createBuffer: (_channels, length, sampleRate) => {
      const samples = new Float32Array(length);
      return { duration: length / sampleRate, getChannelData: () => samples };
    },
    createBufferSource: () => ({
      buffer: null,
      onended: null,
      connect: () => undefined,
      start: (when = 0) => started.push(when),
      stop: () => {
        stopped++;
      },
    }),
    decodeAudioData: async () => {
      throw new Error("not decodable");
    },
  };
  return { context, started, stopped: () => stopped };
}

test("audio events carry their track's format; interrupts come as events; the player schedules and stops", async (t) => {
  const app = createApp();
  app.onMessage(async (ctx, message) => {
    if (message.content === "speak") {
      ctx.audio.send(pcm([0, 1000, -1000, 0]), { track: "reply", sampleRate: 8000 });
      ctx.audio.send(pcm([5, 5]), { track: "reply", sampleRate: 8000 });
    } else ctx.audio.interrupt("reply");
  });
  const { url } = await startChat(t, app.seal());
  const chat = client(t, url);
  const chunks: AudioChunkEvent[] = [];
  const interrupts: unknown[] = [];
  chat.on("audio", (chunk) => chunks.push(chunk));
  chat.on("audioInterrupt", (event) => interrupts.push(event));
  const { context, started, stopped } = recordingContext();
  const player = createAudioPlayer(chat, { context });
  const speaking: boolean[] = [];
  player.onSpeaking((on) => speaking.push(on));
  chat.send("speak");
  await eventually(() => chunks.length === 2 || undefined, "chunks.length === 2");
  assert.deepEqual(
    chunks.map(({ track, mimeType, sampleRate, data }) => ({ track, mimeType, sampleRate, bytes: data.byteLength })),
    [
      { track: "reply", mimeType: "audio/pcm", sampleRate: 8000, bytes: 8 },
      { track: "reply", mimeType: "audio/pcm", sampleRate: 8000, bytes: 4 },
    ],
  );
  assert.deepEqual(started, [0, 4 / 8000], "the second chunk starts where the first ends");
  assert.equal(player.stats.nonSilentSamples, 4);
  assert.equal(player.speaking, true);
  chat.send("hush");
  await eventually(() => interrupts.length === 1 || undefined, "interrupts.length === 1");
  assert.deepEqual(interrupts, [{ reason: "app", track: "reply" }]);
  assert.equal(stopped(), 2, "both scheduled chunks were stopped");
  assert.equal(player.speaking, false);
  assert.deepEqual(speaking, [true, false]);
  // Starting a recording barges in on this side at once, before the server hears of it.
  chat.send("speak");
  await eventually(
    () => (chunks.length === 4 && player.speaking) || undefined,
    "chunks.length === 4 && player.speaking",
  );
  const recording = chat.startAudio({ mimeType: "audio/webm" });
  assert.deepEqual(interrupts.at(-1), { reason: "barge_in" });
  assert.equal(player.speaking, false);
  recording.end();
  player.close();
});
