// Output audio as a handler sees it (`ctx.audio`): chunks to play on a track, and interrupting playback. The
// session's AudioOutput (session/audio-output.ts) does the sending; this file holds the types and the argument
// checks, so a fake context refuses exactly what a real one does.
import { ChatwireError } from "../errors.ts";

/** How to play a chunk. */
export interface AudioSendOptions {
  /** The track it belongs to: chunks of one track play one after another. Default "default". */
  readonly track?: string | undefined;
  /** "audio/pcm" (16-bit little-endian mono, the default) or an encoded format passed through ("audio/mpeg"…). */
  readonly mimeType?: string | undefined;
  /** Samples per second; required for PCM (8000–192000), e.g. 24000. */
  readonly sampleRate?: number | undefined;
}

/** A chunk with its options checked and defaults filled in. */
export interface CheckedAudio {
  readonly track: string;
  readonly mimeType: string;
  readonly sampleRate: number | undefined;
  readonly data: Uint8Array;
  /** Whether it is PCM16 (playback time known from its length). */
  readonly pcm: boolean;
}

/** What `ctx.audio` does. */
export interface AudioOut {
  /**
   * Sends a chunk for the client to play. Returns false when the chunk was not sent: dropped because the client is
   * behind or disconnected (an `audio_dropped` notice tells it), or because the user is speaking over the output
   * (barge-in) — a speech loop should stop there. Throws BAD_AUDIO for bad arguments.
   * @example ctx.audio.send(pcm, { track: "reply", sampleRate: 24000 })
   */
  send(data: Uint8Array | ArrayBufferView, options?: AudioSendOptions): boolean;
  /** Stops playback of `track` (every track when absent) on the client now. @example ctx.audio.interrupt("reply") */
  interrupt(track?: string): void;
}

const PCM = /^audio\/(pcm|l16)(;|$)/i;

/** Checks `send`'s arguments; throws BAD_AUDIO. `maxBytes` is the largest chunk that could ever be sent. */
export function checkAudio(data: unknown, options: AudioSendOptions, maxBytes: number): CheckedAudio {
  const bad = (why: string) => new ChatwireError("BAD_AUDIO", `ctx.audio.send: ${why}`);
  if (!ArrayBuffer.isView(data)) throw bad("data must be a Uint8Array (or another view of bytes)");
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const { track = "default", mimeType = "audio/pcm", sampleRate } = options;
  if (typeof track !== "string" || track.length < 1 || track.length > 64) throw bad("track must be 1..64 characters");
  if (typeof mimeType !== "string" || !mimeType.startsWith("audio/") || mimeType.length > 128)
    throw bad(`mimeType must be "audio/…" (got ${JSON.stringify(mimeType)})`);
  const pcm = PCM.test(mimeType);
  if (sampleRate !== undefined || pcm) {
    if (!Number.isInteger(sampleRate) || (sampleRate as number) < 8000 || (sampleRate as number) > 192_000)
      throw bad(`sampleRate must be an integer in 8000..192000${pcm ? " for PCM" : ""}`);
  }
  if (bytes.byteLength === 0) throw bad("the chunk is empty");
  if (pcm && bytes.byteLength % 2 !== 0) throw bad("PCM16 chunks hold whole 2-byte samples (odd length)");
  if (bytes.byteLength > maxBytes) throw bad(`a chunk is limited to maxAudioBufferedBytes (${maxBytes})`);
  return { track, mimeType, sampleRate, data: bytes, pcm };
}

/** `ctx.audio` where no session backs the context: it checks, then drops (returns false). */
export const unplayedAudio: AudioOut = {
  send: (data, options = {}) => {
    checkAudio(data, options, Number.POSITIVE_INFINITY);
    return false;
  },
  interrupt: () => undefined,
};
