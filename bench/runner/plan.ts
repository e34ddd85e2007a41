// How big and how long each scenario is: the default run and --quick.

/** Sizes of one benchmark run. */
export interface Plan {
  readonly repetitions: number;
  readonly warmupMs: number;
  readonly measureMs: number;
  readonly connectionCounts: readonly number[];
  /** In flight per connection in the throughput scenario. */
  readonly inflight: number;
  readonly latencyConnections: number;
  readonly tokens: number;
  /** The slow-reader stream: its length and the client's read rate (bytes/s). */
  readonly slowTokens: number;
  readonly slowReadBytesPerSec: number;
  readonly idleSessions: number;
  readonly audioBytes: number;
  readonly audioChunkBytes: number;
  /** Output audio: concurrent voice sessions, and the seconds of 24 kHz PCM16 each receives. */
  readonly voiceSessions: number;
  readonly voiceSeconds: number;
  /** Run only these scenarios (`--scenarios=voice,stream`); all when absent. */
  readonly scenarios?: readonly Scenario[];
}

/** The scenarios `--scenarios=` can pick. */
export const SCENARIOS = ["startup", "idle", "throughput", "latency", "stream", "audio", "voice"] as const;
export type Scenario = (typeof SCENARIOS)[number];

export const fullPlan: Plan = {
  repetitions: 5,
  warmupMs: 1000,
  measureMs: 3000,
  connectionCounts: [1, 100, 1000],
  inflight: 16,
  latencyConnections: 100,
  tokens: 100_000,
  // Long enough that the ~4 MB the kernel buffers on loopback before `bufferedAmount` grows is not the whole stream.
  slowTokens: 200_000,
  slowReadBytesPerSec: 4_000_000,
  idleSessions: 10_000,
  audioBytes: 32 * 1024 * 1024,
  audioChunkBytes: 8 * 1024,
  voiceSessions: 100,
  voiceSeconds: 10,
};

export const quickPlan: Plan = {
  ...fullPlan,
  repetitions: 1,
  warmupMs: 300,
  measureMs: 1000,
  slowTokens: 100_000,
  idleSessions: 2000,
  audioBytes: 8 * 1024 * 1024,
  voiceSeconds: 3,
};
