// The player's AudioWorklet path with the real processor (lib/client/pcm-worklet.ts, as the playground serves it):
// Node has no audio thread, so this file gives the processor its globals and a MessageChannel for a port, and renders
// quanta by calling process() itself. Chromium runs the same code in spec/playground/voice.test.ts.
import assert from "node:assert/strict";
import { test } from "node:test";
import { MessageChannel, type MessagePort } from "node:worker_threads";
import { type AudioContextLike, createAudioPlayer } from "../../lib/client/index.ts";
import { createApp } from "../../lib/hooks/registrars.ts";
import { client, eventually, startChat } from "./support.ts";

type Processor = { process(inputs: Float32Array[][], outputs: Float32Array[][]): boolean };
const registered = new Map<string, new () => Processor>();
const ports: MessagePort[] = [];
let nextPort: MessagePort | undefined;
/** Messages each processor has received so far. */
const received: number[] = [];
const processors: Processor[] = [];

Object.assign(globalThis, {
  sampleRate: 48_000,
  registerProcessor: (name: string, processor: new () => Processor) => registered.set(name, processor),
  AudioWorkletProcessor: class {
    readonly port = nextPort;
  },
  // What the browser does on `new AudioWorkletNode(context, name)`: a processor on the other end of a port pair.
  AudioWorkletNode: class {
    readonly port: MessagePort;
    constructor(_context: unknown, name: string) {
      const { port1, port2 } = new MessageChannel();
      ports.push(port1, port2);
      nextPort = port2;
      const Made = registered.get(name);
      if (Made === undefined) throw new Error(`no processor ${name}`);
      const processor = new Made();
      const index = processors.push(processor) - 1;
      received[index] = 0;
      // Node's MessagePort has the browser's onmessage too (its types only declare the EventEmitter side).
      const listened = port2 as unknown as { onmessage: (event: unknown) => void };
      const handle = listened.onmessage;
      listened.onmessage = (event) => {
        received[index] = (received[index] ?? 0) + 1;
        handle(event);
      };
      this.port = port1;
    }
    connect() {}
  },
});
await import("../../lib/client/pcm-worklet.ts");

/** Renders one 128-frame quantum and returns its samples. */
function render(processor: Processor): Float32Array {
  const output = new Float32Array(128);
  processor.process([], [[output]]);
  return output;
}
const nonSilent = (samples: Float32Array) => samples.filter((value) => value !== 0).length;

const context: AudioContextLike = {
  currentTime: 0,
  destination: {},
  state: "running",
  resume: async () => undefined,
  audioWorklet: { addModule: async () => undefined },
  createBuffer: () => {
    throw new Error("PCM goes to the worklet");
  },
  createBufferSource: () => {
    throw new Error("PCM goes to the worklet");
  },
  decodeAudioData: async () => {
    throw new Error("not decodable");
  },
};

const pcm = (values: number[]) => new Uint8Array(new Int16Array(values).buffer);

test("PCM streams to the processor, resampled to the context's rate; a stop clears its queue and is confirmed", async (t) => {
  t.after(() => {
    for (const port of ports) port.close();
  });
  const app = createApp();
  app.onMessage((ctx) => {
    ctx.audio.send(pcm([1000, 1000, 1000, 1000]), { track: "reply", sampleRate: 8000 });
    ctx.audio.send(pcm([1000, 1000, 1000, 1000]), { track: "reply", sampleRate: 8000 });
  });
  const { url } = await startChat(t, app.seal());
  const chat = client(t, url);
  const player = createAudioPlayer(chat, { context, pcmWorklet: "/pcm-worklet.js" });
  const speaking: boolean[] = [];
  player.onSpeaking((on) => speaking.push(on));

  chat.send("speak");
  await eventually(() => received[0] === 2 || undefined, "the processor got both chunks");
  const processor = processors[0] as Processor;
  assert.equal(processors.length, 1, "one node for the track, not one per chunk");
  // 8 samples at 8 kHz are 1 ms: 48 samples at 48 kHz, back to back, then silence.
  const first = render(processor);
  assert.equal(nonSilent(first.subarray(0, 48)), 48);
  assert.equal(nonSilent(first.subarray(48)), 0);
  assert.ok(Math.abs((first[10] ?? 0) - 1000 / 32768) < 1e-6);
  await eventually(() => (player.speaking ? undefined : true), "the processor's idle report");
  assert.deepEqual(speaking, [true, false]);
  assert.equal(player.stats.playedSamples, 48, "what the audio thread played");
  assert.equal(player.stats.nonSilentSamples, 8, "what arrived");

  chat.send("speak again");
  await eventually(() => received[0] === 4 || undefined, "the processor got two more chunks");
  assert.equal(player.speaking, true);
  player.stop(); // a barge-in: the queue is dropped before it plays
  assert.equal(player.speaking, false, "stopped in the caller's own event");
  await eventually(() => player.stats.lastStopMs, "the processor confirming the stop");
  assert.equal(player.stats.droppedSamples, 8);
  assert.equal(nonSilent(render(processor)), 0, "nothing plays after the stop");
  assert.equal(player.stats.playedSamples, 48);
  player.close();
});
