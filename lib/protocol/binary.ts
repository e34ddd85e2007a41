// Audio chunks as binary WebSocket frames: no base64, no JSON. Layout (big-endian):
// byte 0: kind (1 = audio chunk) | bytes 1..8: elapsedTime in seconds, float64 | bytes 9..: raw audio bytes.
import { ChatwireError } from "../errors.ts";

/** The kind byte of a binary audio chunk frame. */
export const BINARY_AUDIO_CHUNK = 1;
const HEADER_BYTES = 9;

/** A decoded binary audio chunk. `data` is a view into the received buffer, not a copy. */
export interface BinaryAudioChunk {
  readonly elapsedTime: number;
  readonly data: Uint8Array;
}

/** Encodes an audio chunk as a binary frame. @example ws.send(encodeAudioChunk(0.5, bytes)) */
export function encodeAudioChunk(elapsedTime: number, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES + data.byteLength);
  out[0] = BINARY_AUDIO_CHUNK;
  new DataView(out.buffer).setFloat64(1, elapsedTime);
  out.set(data, HEADER_BYTES);
  return out;
}

/** Decodes a binary frame; throws `BAD_BINARY` for anything but a well-formed audio chunk. */
export function decodeAudioChunk(frame: Uint8Array): BinaryAudioChunk {
  if (frame.byteLength < HEADER_BYTES || frame[0] !== BINARY_AUDIO_CHUNK) {
    throw new ChatwireError("BAD_BINARY", "binary frames must be audio chunks: kind byte 1, float64 time, bytes");
  }
  const elapsedTime = new DataView(frame.buffer, frame.byteOffset, frame.byteLength).getFloat64(1);
  if (!Number.isFinite(elapsedTime) || elapsedTime < 0) {
    throw new ChatwireError("BAD_BINARY", "audio chunk elapsedTime must be a finite number >= 0");
  }
  return { elapsedTime, data: frame.subarray(HEADER_BYTES) };
}
