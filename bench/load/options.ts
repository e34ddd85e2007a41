// What the runner asks the load generator to do: one scenario against one running server, as JSON in argv[2].
import type { Wire } from "./link.ts";

/** Which server to load, and how to read its CPU time. */
export interface Common {
  readonly wire: Wire;
  readonly url: string;
  readonly serverPid: number;
  readonly ticksPerSecond: number;
}

/** Round trips with `inflight` user messages outstanding per connection, measured after a warm-up. */
export interface ThroughputJob extends Common {
  readonly scenario: "throughput";
  readonly connections: number;
  readonly inflight: number;
  readonly warmupMs: number;
  readonly measureMs: number;
}

/** Round-trip latency with one message outstanding per connection. */
export interface LatencyJob extends Common {
  readonly scenario: "latency";
  readonly connections: number;
  readonly warmupMs: number;
  readonly measureMs: number;
}

/** One client asks for `tokens` streamed tokens; a slow client reads at most `readBytesPerSec`. */
export interface StreamJob extends Common {
  readonly scenario: "stream";
  readonly tokens: number;
  readonly readBytesPerSec?: number;
}

/** Opens `connections` idle sessions, says so on stdout, and holds them until a line arrives on stdin. */
export interface IdleJob extends Common {
  readonly scenario: "idle";
  readonly connections: number;
}

/** One client sends `totalBytes` of audio in `chunkBytes` chunks, as binary frames or JSON/base64 frames. */
export interface AudioJob extends Common {
  readonly scenario: "audio";
  readonly form: "binary" | "json";
  readonly totalBytes: number;
  readonly chunkBytes: number;
  /** The app reports every this many chunks; the client keeps at most 4 reports' worth in flight. */
  readonly reportEvery: number;
}

/** `sessions` clients each receive `seconds` of 24 kHz PCM16 output audio at once (bench/load/voice.ts). */
export interface VoiceJob extends Common {
  readonly scenario: "voice";
  readonly sessions: number;
  readonly seconds: number;
}

export type LoadJob = ThroughputJob | LatencyJob | StreamJob | IdleJob | AudioJob | VoiceJob;

/** A job without its server: what the runner plans before a server is up. */
export type Scenario = LoadJob extends unknown ? DistributiveOmit<LoadJob, keyof Common> : never;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
