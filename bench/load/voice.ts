// Output audio: `sessions` clients each ask for `seconds` of speech (`/speak S`, bench/servers/voice.ts) at once;
// the server streams 24 kHz PCM16 to all of them in real time. Measured: the server's CPU per second of audio
// delivered, and the time from the server's send (the stamp in each chunk) to the client's receipt of the frame.
import { VOICE_CHUNK_BYTES, VOICE_CHUNK_MS, wallClock } from "../servers/voice.ts";
import { cpuMicros } from "./cpu.ts";
import { closeAll, connect, connectMany, type Link } from "./link.ts";
import type { VoiceJob } from "./options.ts";

/** What one run measured. */
export interface VoiceResult {
  /** Server CPU microseconds per second of audio delivered (one session's second). */
  readonly cpuMicrosPerAudioSecond: number;
  /** Send (the server's stamp) → the load generator's receipt of the frame, ms. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Audio bytes received, over those asked for (1: nothing dropped). */
  readonly delivered: number;
  readonly errors: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function voice(job: VoiceJob): Promise<VoiceResult> {
  const chunks = Math.round((job.seconds * 1000) / VOICE_CHUNK_MS);
  const latencies: number[] = [];
  let measuring = false;
  let received = 0;
  let frames = 0;
  let warmFrames = 0;
  let errors = 0;
  const links: Link[] = await connectMany(job.sessions, () =>
    connect(
      job.wire,
      job.url,
      (type) => {
        if (type === "error") errors++;
      },
      10_000,
      {
        onBinary: (bytes) => {
          const at = wallClock();
          // kind 2, the track id's length, the id, then the chunk: its first 8 bytes are the send stamp.
          const offset = 2 + (bytes[1] ?? 0);
          if (bytes[0] !== 2 || bytes.length < offset + 8) return;
          if (!measuring) {
            warmFrames++;
            return;
          }
          const stamp = new DataView(bytes.buffer, bytes.byteOffset + offset, 8).getFloat64(0, true);
          latencies.push(at - stamp);
          received += bytes.length - offset;
          frames++;
        },
      },
    ),
  );
  // Warm-up: half a second each (the server's first sends compile its paths), not measured.
  for (const link of links) link.send({ type: "user_message", id: "v0", content: "/speak 0.5" });
  const warmDeadline = Date.now() + 15_000;
  while (warmFrames < 5 * job.sessions && Date.now() < warmDeadline) await sleep(20);
  await sleep(200); // the turns end (task_end) before the next message
  measuring = true;
  const cpuBefore = cpuMicros(job.serverPid, job.ticksPerSecond);
  for (const link of links) link.send({ type: "user_message", id: "v1", content: `/speak ${job.seconds}` });
  const deadline = Date.now() + job.seconds * 1000 + 10_000;
  while (frames < chunks * job.sessions && Date.now() < deadline) await sleep(20);
  const cpu = cpuMicros(job.serverPid, job.ticksPerSecond) - cpuBefore;
  await closeAll(links);
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;
  const audioSeconds = received / (VOICE_CHUNK_BYTES * (1000 / VOICE_CHUNK_MS));
  return {
    cpuMicrosPerAudioSecond: cpu / audioSeconds,
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    delivered: received / (chunks * job.sessions * VOICE_CHUNK_BYTES),
    errors,
  };
}
