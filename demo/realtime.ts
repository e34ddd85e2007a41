// A voice assistant that bridges each chatwire session to OpenAI's Realtime API (speech to speech) through the
// official SDK (`npm install openai`): the user's PCM16 goes to the model, the model's speech plays on the client,
// its transcript shows as a message, and talking over it cancels it. Push to talk: a recording is one turn.
// `OPENAI_API_KEY=… node bin/chatwire.js run demo/realtime.ts`; docs/voice.md#bridging-to-a-realtime-model.
import {
  type EventContext,
  type EventMessageHandle,
  onAudioChunk,
  onAudioEnd,
  onAudioStart,
  onChatEnd,
} from "chatwire";
import OpenAI from "openai";
import { OpenAIRealtimeWS } from "openai/realtime/ws";

const MODEL = process.env.OPENAI_REALTIME_MODEL ?? "gpt-realtime";
const SAMPLE_RATE = 24_000; // the Realtime API's PCM16: 24 kHz mono, both ways

/** One session's connection to the model, and the reply it is making. */
interface Bridge {
  readonly rt: OpenAIRealtimeWS;
  responding: boolean;
  /** The reply's transcript message: sent at its first words, updated after; a chain keeps updates in order. */
  transcript: Promise<EventMessageHandle | undefined>;
}

const openai = new OpenAI(); // OPENAI_API_KEY, and OPENAI_BASE_URL if set
const bridges = new Map<string, Promise<Bridge>>();

/** The session's bridge, opened at its first recording and reused for the next ones. */
function bridgeOf(ctx: EventContext): Promise<Bridge> {
  let bridge = bridges.get(ctx.sessionId);
  if (bridge === undefined) {
    bridge = openBridge(ctx);
    bridges.set(ctx.sessionId, bridge);
    bridge.catch(() => bridges.delete(ctx.sessionId)); // the next recording tries again
  }
  return bridge;
}

async function openBridge(ctx: EventContext): Promise<Bridge> {
  const rt = await OpenAIRealtimeWS.create(openai, { model: MODEL });
  rt.on("error", (error) => ctx.log.warn({ err: error }, "realtime model error"));
  await new Promise((resolve, reject) => {
    rt.socket.once("open", resolve);
    rt.socket.once("error", reject);
  });
  const bridge: Bridge = { rt, responding: false, transcript: Promise.resolve(undefined) };
  // chatwire's audio_start / audio_end mark the turns: the model's own voice detection is off.
  rt.send({
    type: "session.update",
    session: {
      type: "realtime",
      output_modalities: ["audio"],
      audio: {
        input: { format: { type: "audio/pcm", rate: SAMPLE_RATE }, turn_detection: null },
        output: { format: { type: "audio/pcm", rate: SAMPLE_RATE } },
      },
    },
  });
  rt.socket.on("close", () => bridges.delete(ctx.sessionId));
  let words = "";
  rt.on("response.created", () => {
    bridge.responding = true;
    words = "";
    bridge.transcript = Promise.resolve(undefined); // a new reply: a new message
  });
  rt.on("response.done", () => {
    bridge.responding = false;
  });
  rt.on("response.output_audio.delta", (event) => {
    if (!ctx.signal.aborted)
      ctx.audio.send(Buffer.from(event.delta, "base64"), { track: "assistant", sampleRate: SAMPLE_RATE });
  });
  rt.on("response.output_audio_transcript.delta", (event) => {
    words += event.delta;
    showTranscript(ctx, bridge, words);
  });
  rt.on("response.output_audio_transcript.done", (event) => showTranscript(ctx, bridge, event.transcript));
  // With the model's voice detection on (turn_detection: { type: "server_vad" }), it hears the user first.
  rt.on("input_audio_buffer.speech_started", () => stopReply(ctx, bridge));
  return bridge;
}

function showTranscript(ctx: EventContext, bridge: Bridge, text: string): void {
  if (ctx.signal.aborted) return;
  bridge.transcript = bridge.transcript
    .then(async (message) => {
      if (message === undefined) return ctx.send({ content: text, author: "Assistant" });
      await message.update({ content: text });
      return message;
    })
    .catch((error: unknown) => {
      ctx.log.warn({ err: error }, "transcript not shown");
      return undefined;
    });
}

/** The user talks over the reply: stop playing it, and stop the model making it. */
function stopReply(ctx: EventContext, bridge: Bridge, alreadyInterrupted = false): void {
  if (!alreadyInterrupted && !ctx.signal.aborted) ctx.audio.interrupt();
  if (bridge.responding) bridge.rt.send({ type: "response.cancel" });
  bridge.responding = false;
}

onAudioStart(async (ctx, start) => {
  // The model takes PCM16; a browser's MediaRecorder sends webm/opus, which would need decoding first.
  if (!start.mimeType.startsWith("audio/pcm")) {
    await ctx.send(`This assistant needs 24 kHz PCM16 audio ("audio/pcm"), not ${start.mimeType}.`);
    return false;
  }
  const bridge = await bridgeOf(ctx);
  // `interrupted`: chatwire already stopped the client's playback (barge-in). A reply still being made stops too.
  if (start.interrupted || bridge.responding) stopReply(ctx, bridge, start.interrupted);
  return true;
});

onAudioChunk(async (ctx, chunk) => {
  const { rt } = await bridgeOf(ctx);
  rt.send({ type: "input_audio_buffer.append", audio: Buffer.from(chunk.data).toString("base64") });
});

onAudioEnd(async (ctx) => {
  const { rt } = await bridgeOf(ctx);
  rt.send({ type: "input_audio_buffer.commit" });
  rt.send({ type: "response.create" });
});

onChatEnd(async (ctx) => {
  const bridge = bridges.get(ctx.sessionId);
  bridges.delete(ctx.sessionId);
  (await bridge?.catch(() => undefined))?.rt.close();
});
