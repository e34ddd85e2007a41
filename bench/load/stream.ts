// Token streaming to one client: time to the first token, and tokens per second until stream_end.
import { cpuMicros } from "./cpu.ts";
import { connect, type FrameHandler } from "./link.ts";
import type { StreamJob } from "./options.ts";

/** What one streamed answer measured. */
export interface StreamResult {
  readonly tokensPerSec: number;
  readonly firstTokenMs: number;
  /** stream_token frames received: fewer than tokens when the server coalesced them. */
  readonly tokenFrames: number;
  readonly cpuMicrosPerToken: number;
  /** Whether stream_end's content was every token, in full. */
  readonly complete: boolean;
}

/** Asks for `tokens` tokens and waits (at most 120 s) for task_end, reading at most `readBytesPerSec` if set. */
export async function stream(job: StreamJob): Promise<StreamResult> {
  let sentAt = 0;
  let firstAt = 0;
  let endAt = 0;
  let tokenFrames = 0;
  let streamedChars = 0;
  let finalChars = -1;
  let finish: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const onFrame: FrameHandler = (type, frame) => {
    if (type === "stream_token") {
      if (tokenFrames++ === 0) firstAt = performance.now();
      streamedChars += String(frame().token).length;
    } else if (type === "stream_end") {
      endAt = performance.now();
      finalChars = String(frame().content).length;
    } else if (type === "task_end" && endAt > 0) finish(); // an earlier task_end is the app's onChatStart task
  };
  const link = await connect(job.wire, job.url, onFrame, 10_000, { readBytesPerSec: job.readBytesPerSec });
  const cpuBefore = cpuMicros(job.serverPid, job.ticksPerSecond);
  sentAt = performance.now();
  link.send({ type: "user_message", id: "s1", content: `/stream ${job.tokens}` });
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    done,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error("stream: no task_end within 120 s")), 120_000);
    }),
  ]);
  clearTimeout(timer);
  const cpu = cpuMicros(job.serverPid, job.ticksPerSecond) - cpuBefore;
  await link.close();
  const expected = job.tokens * 4;
  return {
    tokensPerSec: (job.tokens * 1000) / (endAt - sentAt),
    firstTokenMs: firstAt - sentAt,
    tokenFrames,
    cpuMicrosPerToken: cpu / job.tokens,
    complete: streamedChars === expected && finalChars === expected,
  };
}
