// The AudioWorklet processor that plays PCM16 output audio for createAudioPlayer's `pcmWorklet` option: chunks
// posted to its port are queued and played back to back, resampled (linearly) from the chunk's rate to the
// context's; "clear" drops the queue at the next render quantum. It runs in AudioWorkletGlobalScope, so it imports
// nothing: the playground bundles it as pcm-worklet.js, served from the package (no CDN).

/** The globals of AudioWorkletGlobalScope that this file uses (not in TypeScript's DOM library). */
declare const sampleRate: number;
declare function registerProcessor(name: string, processor: new () => object): void;
declare class AudioWorkletProcessor {
  readonly port: {
    onmessage: ((event: { data: PcmWorkletCommand }) => void) | null;
    postMessage(message: PcmWorkletReport): void;
  };
}

/** What the player posts: a chunk to queue (16-bit samples at `rate` per second), or a stop. */
export type PcmWorkletCommand =
  | { readonly type: "chunk"; readonly seq: number; readonly samples: Int16Array; readonly rate: number }
  | { readonly type: "clear" };

/** What the processor posts back: `played` non-silent output samples since its last report; `idle` once its
 * queue ran dry after chunk `seq`; `cleared` answers a clear with the input samples it dropped. */
export type PcmWorkletReport =
  | { readonly type: "played"; readonly played: number }
  | { readonly type: "idle"; readonly seq: number; readonly played: number }
  | { readonly type: "cleared"; readonly dropped: number; readonly played: number };

interface Queued {
  readonly seq: number;
  readonly samples: Int16Array;
  /** Input samples per output sample. */
  readonly step: number;
}

class PcmPlayer extends AudioWorkletProcessor {
  readonly #queue: Queued[] = [];
  /** Read position in the first queued chunk, in its own samples (fractional when resampling). */
  #position = 0;
  #lastSeq = -1;
  #played = 0;

  constructor() {
    super();
    this.port.onmessage = ({ data }) => {
      if (data.type === "chunk") {
        this.#queue.push({ seq: data.seq, samples: data.samples, step: data.rate / sampleRate });
        this.#lastSeq = data.seq;
        return;
      }
      let dropped = 0;
      for (const chunk of this.#queue) dropped += chunk.samples.length;
      dropped -= Math.floor(this.#position);
      this.#queue.length = 0;
      this.#position = 0;
      this.port.postMessage({ type: "cleared", dropped: Math.max(0, dropped), played: this.#take() });
    };
  }

  /** The non-silent samples played since the last report, and resets the count. */
  #take(): number {
    const played = this.#played;
    this.#played = 0;
    return played;
  }

  process(_inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
    const output = outputs[0]?.[0];
    if (output === undefined) return true;
    const hadAudio = this.#queue.length > 0;
    let finished = false;
    for (let i = 0; i < output.length; i++) {
      const chunk = this.#queue[0];
      if (chunk === undefined) {
        output[i] = 0;
        continue;
      }
      const at = Math.floor(this.#position);
      const next = at + 1 < chunk.samples.length ? (chunk.samples[at + 1] ?? 0) : (chunk.samples[at] ?? 0);
      const fraction = this.#position - at;
      const value = ((chunk.samples[at] ?? 0) * (1 - fraction) + next * fraction) / 32768;
      output[i] = value;
      if (value !== 0) this.#played++;
      this.#position += chunk.step;
      // Within rounding of the end (a sum of n steps of 1/6 lands a hair short), the chunk is done.
      if (this.#position >= chunk.samples.length - 1e-9) {
        this.#position = Math.max(0, this.#position - chunk.samples.length);
        this.#queue.shift();
        finished = true;
      }
    }
    for (let channel = 1; channel < (outputs[0]?.length ?? 0); channel++) outputs[0]?.[channel]?.set(output);
    if (hadAudio && this.#queue.length === 0)
      this.port.postMessage({ type: "idle", seq: this.#lastSeq, played: this.#take() });
    else if (finished) this.port.postMessage({ type: "played", played: this.#take() });
    return true;
  }
}

// The name player.ts creates its AudioWorkletNode with (it cannot import this file: that would run this line).
registerProcessor("chatwire-pcm", PcmPlayer);
