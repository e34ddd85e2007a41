// A bounded serial queue: jobs run one at a time, in the order they were pushed.

type Job = () => Promise<void>;

/** Who hears of a job that threw anyway. */
export interface LaneOwner {
  jobFailed(error: unknown): void;
}

/** Runs pushed jobs one after another. Jobs catch their own errors; one that throws anyway is only logged. */
export class Lane {
  readonly #jobs: Job[] = [];
  #running: Promise<void> | undefined;

  constructor(
    readonly limit: number,
    private readonly owner: LaneOwner,
  ) {}

  /** Queues a job; false when `limit` jobs are already waiting (the job is not queued). */
  push(job: Job): boolean {
    if (this.#jobs.length >= this.limit) return false;
    this.#jobs.push(job);
    this.#running ??= this.#drain();
    return true;
  }

  /** Number of jobs waiting (not counting the one running). */
  get waiting(): number {
    return this.#jobs.length;
  }

  /** Drops every waiting job; the running one finishes. */
  clear(): void {
    this.#jobs.length = 0;
  }

  /** Resolves when no job is running or waiting. */
  idle(): Promise<void> {
    return this.#running ?? Promise.resolve();
  }

  async #drain(): Promise<void> {
    for (let job = this.#jobs.shift(); job !== undefined; job = this.#jobs.shift()) {
      // A rejection here would be unhandled (and stop the lane): the jobs' own catch blocks are the real handling.
      await job().catch((error: unknown) => this.owner.jobFailed(error));
    }
    this.#running = undefined;
  }
}
