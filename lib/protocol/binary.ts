// Audio as binary WebSocket frames: no base64, no JSON. Two kinds, told apart by byte 0 (big-endian numbers):
// kind 1, client to server (an input chunk): bytes 1..8 elapsedTime in seconds, float64 | bytes 9..: raw audio.
// kind 2, server to client (an output chunk): byte 1 n = the track id's UTF-8 length (1..255) | bytes 2..2+n the
// track id | then raw audio, in the format its track's `audio_output` frame announced.
import { ChatwireError } from "../errors.ts";

/** The kind byte of a binary audio chunk frame (client to server). */
export const BINARY_AUDIO_CHUNK = 1;
/** The kind byte of a binary output audio frame (server to client). */
export const BINARY_AUDIO_OUTPUT = 2;
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

/** A decoded output audio frame. `data` is a view into the received buffer, not a copy. */
export interface BinaryAudioOutput {
  readonly track: string;
  readonly data: Uint8Array;
}

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

/** Encodes an output audio chunk of `track` (a server's job; clients decode). @example encodeAudioOutput("tts", pcm) */
export function encodeAudioOutput(track: string | Uint8Array, data: Uint8Array): Uint8Array {
  const id = typeof track === "string" ? utf8.encode(track) : track;
  if (id.byteLength < 1 || id.byteLength > 255) throw new ChatwireError("BAD_AUDIO", "track ids take 1..255 bytes");
  const out = new Uint8Array(2 + id.byteLength + data.byteLength);
  out[0] = BINARY_AUDIO_OUTPUT;
  out[1] = id.byteLength;
  out.set(id, 2);
  out.set(data, 2 + id.byteLength);
  return out;
}

/** Decodes an output audio frame; throws `BAD_BINARY` for anything else. @example decodeAudioOutput(new Uint8Array(event.data)) */
export function decodeAudioOutput(frame: Uint8Array): BinaryAudioOutput {
  const length = frame[1] ?? 0;
  if (frame[0] !== BINARY_AUDIO_OUTPUT || length === 0 || frame.byteLength < 2 + length) {
    throw new ChatwireError("BAD_BINARY", "output audio frames are: kind byte 2, track length, track id, bytes");
  }
  return { track: fromUtf8.decode(frame.subarray(2, 2 + length)), data: frame.subarray(2 + length) };
}
