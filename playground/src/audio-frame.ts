// The binary audio chunk frame, as lib/protocol/binary.ts lays it out. Re-declared here (not imported) because
// that module's error class would pull the schema library into the page; spec/playground/audio.test.ts checks both
// agree by sending these frames to a real gateway.
import type { BINARY_AUDIO_CHUNK } from "../../lib/protocol/index.ts";

const kind: typeof BINARY_AUDIO_CHUNK = 1;

/** byte 0: kind 1 | bytes 1..8: elapsed seconds, float64 big-endian | bytes 9..: the raw audio bytes. */
export function encodeAudioChunk(elapsedTime: number, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(9 + data.byteLength);
  out[0] = kind;
  new DataView(out.buffer).setFloat64(1, elapsedTime);
  out.set(data, 9);
  return out;
}
