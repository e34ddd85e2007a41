// Audio ingest: one client sends a recording as binary frames (encodeAudioChunk) or as JSON/base64 audio_chunk frames.
import { encodeAudioChunk } from "chatwire/protocol";
import { cpuMicros } from "./cpu.ts";
import { connect } from "./link.ts";
import type { AudioJob } from "./options.ts";

/** What one recording measured. */
export interface AudioResult {
  readonly megabytesPerSec: number;
  readonly cpuMicrosPerMegabyte: number;
  /** Bytes the app's onAudioChunk saw, as it reported at onAudioEnd. */
  readonly bytesReceived: number;
  readonly errors: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sends the recording with at most four progress reports' worth of chunks in flight; bounded to 120 s. */
export async function audio(job: AudioJob): Promise<AudioResult> {
  const chunks = Math.ceil(job.totalBytes / job.chunkBytes);
  const bytes = new Uint8Array(job.chunkBytes).map((_, i) => i % 251);
  const base64 = Buffer.from(bytes).toString("base64");
  let reported = 0;
  let state: boolean | undefined;
  let received = -1;
  let errors = 0;
  const link = await connect(job.wire, job.url, (type, frame) => {
    if (type === "window_message") {
      const data = frame().data as { chunks: number; bytes?: number };
      reported = data.chunks;
      if (data.bytes !== undefined) received = data.bytes;
    } else if (type === "audio_state") state = frame().connected === true;
    else if (type === "error") errors++;
  });
  const deadline = Date.now() + 120_000;
  const waitFor = async (ready: () => boolean, what: string) => {
    while (!ready()) {
      if (Date.now() > deadline) throw new Error(`audio: timed out waiting for ${what}`);
      await sleep(0);
    }
  };
  link.send({ type: "audio_start", mimeType: "audio/pcm" });
  await waitFor(() => state === true, "audio_state");
  const cpuBefore = cpuMicros(job.serverPid, job.ticksPerSecond);
  const start = performance.now();
  for (let i = 0; i < chunks; i++) {
    if (i - reported >= 4 * job.reportEvery) await waitFor(() => i - reported < 4 * job.reportEvery, "a report");
    const elapsedTime = i * 0.1;
    if (job.form === "binary") link.sendBinary(encodeAudioChunk(elapsedTime, bytes));
    else link.send({ type: "audio_chunk", elapsedTime, data: base64 });
  }
  link.send({ type: "audio_end" });
  await waitFor(() => received >= 0, "onAudioEnd's report");
  const seconds = (performance.now() - start) / 1000;
  const cpu = cpuMicros(job.serverPid, job.ticksPerSecond) - cpuBefore;
  await link.close();
  const megabytes = (chunks * job.chunkBytes) / 1_000_000;
  return {
    megabytesPerSec: megabytes / seconds,
    cpuMicrosPerMegabyte: cpu / megabytes,
    bytesReceived: received,
    errors,
  };
}
