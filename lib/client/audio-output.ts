// Output audio as the client receives it: binary frames of kind 2 (lib/protocol/binary.ts's layout, decoded here
// without its schema library) joined to the format their track's `audio_output` frame announced.
import type { BINARY_AUDIO_OUTPUT, ServerFrameOf } from "../protocol/index.ts";

/** A chunk of output audio to play. */
export interface AudioChunkEvent {
  readonly track: string;
  /** "audio/pcm" (16-bit little-endian mono) or an encoded format. */
  readonly mimeType: string;
  /** Samples per second (PCM). */
  readonly sampleRate?: number;
  readonly data: Uint8Array;
}

/** Stop playing `track` (every track when absent): the app asked, or the user barged in. */
export interface AudioInterruptEvent {
  readonly track?: string;
  readonly reason: "app" | "barge_in";
}

const kind: typeof BINARY_AUDIO_OUTPUT = 2;
const fromUtf8 = new TextDecoder();

/** Track formats from `audio_output` frames; turns binary frames into chunk events (undefined: not audio). */
export class OutputTracks {
  readonly #formats = new Map<string, ServerFrameOf<"audio_output">>();

  announce(frame: ServerFrameOf<"audio_output">): void {
    this.#formats.set(frame.track, frame);
  }

  decode(bytes: Uint8Array): AudioChunkEvent | undefined {
    const length = bytes[1] ?? 0;
    if (bytes[0] !== kind || length === 0 || bytes.byteLength < 2 + length) return undefined;
    const track = fromUtf8.decode(bytes.subarray(2, 2 + length));
    const format = this.#formats.get(track);
    if (format === undefined) return undefined; // never announced: nothing says how to play it
    const data = bytes.subarray(2 + length);
    const rate = format.sampleRate === undefined ? {} : { sampleRate: format.sampleRate };
    return { track, mimeType: format.mimeType, ...rate, data };
  }
}
