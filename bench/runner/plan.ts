// How big and how long each scenario is: the default run (about 6 minutes) and --quick (about a minute).

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
  readonly idleSessions: number;
  readonly audioBytes: number;
  readonly audioChunkBytes: number;
}

export const fullPlan: Plan = {
  repetitions: 3,
  warmupMs: 1000,
  measureMs: 3000,
  connectionCounts: [1, 100, 1000],
  inflight: 16,
  latencyConnections: 100,
  tokens: 100_000,
  idleSessions: 10_000,
  audioBytes: 32 * 1024 * 1024,
  audioChunkBytes: 8 * 1024,
};

export const quickPlan: Plan = {
  ...fullPlan,
  repetitions: 1,
  warmupMs: 300,
  measureMs: 1000,
  idleSessions: 2000,
  audioBytes: 8 * 1024 * 1024,
};
