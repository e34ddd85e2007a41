// The app every chatwire benchmark server runs, written against the public API only: an echo, a token stream on
// `/stream N`, an audio sink that reports progress every AUDIO_REPORT_EVERY chunks (the load generator's window), and
// `/speak S`: S seconds of output audio through ctx.audio (bench/servers/voice.ts).
import { type ChatApp, createApp } from "chatwire";
import { speak, speakSeconds, VOICE_SAMPLE_RATE, VOICE_TRACK } from "./voice.ts";

/** The audio sink sends a window message after this many chunks (the load generator's flow control). */
export const AUDIO_REPORT_EVERY = 64;

type State = { turns: number; audioBytes: number; audioChunks: number };

/** Builds the benchmark app (a few hooks, as a small real app has). */
export function benchApp(): ChatApp<State> {
  const chat = createApp<State>();
  chat.onChatStart((ctx) => {
    ctx.state.set("turns", 0);
  });
  chat.onMessage(async (ctx, message) => {
    ctx.state.set("turns", (ctx.state.get("turns") ?? 0) + 1);
    const seconds = speakSeconds(message.content);
    if (seconds !== undefined) {
      await speak(seconds, (chunk) => ctx.audio.send(chunk, { track: VOICE_TRACK, sampleRate: VOICE_SAMPLE_RATE }));
      return;
    }
    const tokens = message.content.startsWith("/stream ") ? Number(message.content.slice(8)) : undefined;
    if (tokens === undefined) {
      await ctx.send(`echo: ${message.content}`);
      return;
    }
    const m = await ctx.stream();
    for (let i = 0; i < tokens; i++) await m.streamToken("tok ");
    await m.endStream();
  });
  chat.onAudioStart((ctx) => {
    ctx.state.set("audioBytes", 0);
    ctx.state.set("audioChunks", 0);
    return true;
  });
  chat.onAudioChunk(async (ctx, chunk) => {
    const chunks = (ctx.state.get("audioChunks") ?? 0) + 1;
    ctx.state.set("audioChunks", chunks);
    ctx.state.set("audioBytes", (ctx.state.get("audioBytes") ?? 0) + chunk.data.byteLength);
    if (chunks % AUDIO_REPORT_EVERY === 0) await ctx.sendWindowMessage({ chunks });
  });
  chat.onAudioEnd(async (ctx) => {
    await ctx.sendWindowMessage({ chunks: ctx.state.get("audioChunks"), bytes: ctx.state.get("audioBytes") });
  });
  chat.actionCallback("again", async (ctx) => {
    await ctx.send("again");
  });
  chat.onChatEnd(() => {});
  return chat;
}
