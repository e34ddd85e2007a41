// The output-audio scenario's speech, the same for chatwire's app and the floor: `/speak S` asks for S seconds of
// 24 kHz PCM16 (48 KB/s) in 100 ms chunks, each sent when it is due (a TTS streaming in real time), each stamped
// in its first 8 bytes with the wall clock (ms, float64) just before the send, so the client can time send → receipt.

/** Samples per second of the speech. */
export const VOICE_SAMPLE_RATE = 24_000;
/** One chunk's length (ms) and size (bytes of PCM16). */
export const VOICE_CHUNK_MS = 100;
export const VOICE_CHUNK_BYTES = (VOICE_SAMPLE_RATE * 2 * VOICE_CHUNK_MS) / 1000;
/** The track both servers speak on. */
export const VOICE_TRACK = "reply";

/** `/speak S`: the seconds asked for; undefined for any other message. */
export const speakSeconds = (content: string): number | undefined =>
  content.startsWith("/speak ") ? Number(content.slice(7)) : undefined;

/** The wall clock in ms, comparable across processes on one machine. */
export const wallClock = (): number => performance.timeOrigin + performance.now();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sends `seconds` of stamped chunks through `send`, each at its due time (a refused chunk is a gap, as for a
 * real TTS: the load generator counts the bytes it got). Resolves after the last chunk. */
export async function speak(seconds: number, send: (chunk: Uint8Array) => boolean | undefined): Promise<void> {
  const chunks = Math.round((seconds * 1000) / VOICE_CHUNK_MS);
  const start = performance.now();
  const template = new Uint8Array(VOICE_CHUNK_BYTES).map((_, i) => (i * 37) % 251); // not silence
  for (let i = 0; i < chunks; i++) {
    const due = start + i * VOICE_CHUNK_MS - performance.now();
    if (due > 0) await sleep(due);
    const chunk = template.slice();
    new DataView(chunk.buffer).setFloat64(0, wallClock(), true);
    send(chunk);
  }
}
