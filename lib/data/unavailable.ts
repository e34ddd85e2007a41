// Waiting for a database that is busy (SQLite locked by another process) or away (PostgreSQL unreachable) without
// ever blocking the event loop: each attempt fails fast, and the next one is scheduled with a timer, until a deadline.

/** A data layer gave up waiting for its database: nothing was written, and trying again later may succeed. Unlike
 * a write the database refused (a constraint), retrying the same writes one by one would only wait again. */
export class DataUnavailableError extends Error {
  override name = "DataUnavailableError";
}

/** How long a data layer waits for its database by default before it gives up: 5 s. */
export const DEFAULT_DATA_TIMEOUT_MS = 5_000;

/** The first pause between attempts; it doubles up to MAX_PAUSE_MS. */
const FIRST_PAUSE_MS = 1;
/** Long enough that a locked file costs a few attempts a second, short enough that a freed one is seen at once. */
const MAX_PAUSE_MS = 25;

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `attempt` until it succeeds, it fails with an error `transient` does not recognise (rethrown as it is), or
 * `deadline` (ms since the epoch) passes: then it rejects with DataUnavailableError, the last error as its cause.
 * Attempts are spaced by timers (1 ms, doubling to 25 ms), so other work runs in between.
 * @example await patiently(() => db.prepare(sql).run(), Date.now() + 5000, isSqliteBusy, "the SQLite file is locked")
 */
export function patiently<T>(
  attempt: () => T | Promise<T>,
  deadline: number,
  transient: (error: unknown) => boolean,
  what: string,
): Promise<T> {
  // The first try runs at once and, when it is synchronous and succeeds (SQLite, nearly always), costs no more
  // than the call itself: the loop below is for the rare locked attempt.
  try {
    const first = attempt();
    if (!(first instanceof Promise)) return Promise.resolve(first);
    return first.catch((error: unknown) => retry(attempt, deadline, transient, what, error));
  } catch (error) {
    return retry(attempt, deadline, transient, what, error);
  }
}

async function retry<T>(
  attempt: () => T | Promise<T>,
  deadline: number,
  transient: (error: unknown) => boolean,
  what: string,
  failed: unknown,
): Promise<T> {
  let error = failed;
  let pause = FIRST_PAUSE_MS;
  for (;;) {
    if (!transient(error)) throw error;
    const left = deadline - Date.now();
    if (left <= 0) throw new DataUnavailableError(`${what}: ${messageOf(error)}`, { cause: error });
    await sleep(Math.min(pause, left));
    pause = Math.min(pause * 2, MAX_PAUSE_MS);
    try {
      return await attempt();
    } catch (next) {
      error = next;
    }
  }
}

/**
 * Whether `error` is a DataUnavailableError: the database was busy or away, not refusing what was asked.
 * @example if (isDataUnavailable(error)) reply.code(503)
 */
export const isDataUnavailable = (error: unknown): error is DataUnavailableError =>
  error instanceof DataUnavailableError;
