// Login throttle counters as every data layer stores them: attempts in a row per key and until when the key is
// locked. The arithmetic is here, once; each layer only reads and writes the rows in one transaction.
import type { DataLayer, LockPolicy, LoginCharge } from "./layer.ts";

/** One key's counter: attempts in a row (charged before the password is checked), its lock, its last charge (ms). */
export interface LoginCounter {
  readonly failures: number;
  readonly lockedUntil: number;
  readonly updatedAt: number;
}

/** Where login counters live: the data layer, or memory without one. */
export type LoginCounterStore = Pick<DataLayer, "chargeLogin" | "settleLogin">;

/**
 * The lock that stops this charge, if any counter has one at `now`: the latest end among them, else 0.
 * @example lockedUntil([{ failures: 6, lockedUntil: 2000, updatedAt: 0 }], 1000) === 2000
 */
export const lockedUntil = (counters: readonly (LoginCounter | undefined)[], now: number): number =>
  Math.max(0, ...counters.map((c) => (c !== undefined && c.lockedUntil > now ? c.lockedUntil : 0)));

/**
 * The counter after one more attempt at `now`: past its free attempts it locks for `firstLockMs`, doubled per
 * attempt beyond, at most `maxLockMs`. A counter idle for `resetAfterMs` starts over.
 * @example charged(undefined, { key: "k", freeAttempts: 1 }, 0, policy).lockedUntil === policy.firstLockMs
 */
export function charged(
  counter: LoginCounter | undefined,
  charge: LoginCharge,
  now: number,
  policy: LockPolicy,
): LoginCounter {
  const stale = counter === undefined || now - counter.updatedAt >= policy.resetAfterMs;
  const failures = stale ? 1 : counter.failures + 1;
  const beyond = failures - charge.freeAttempts;
  const lock = beyond < 0 ? 0 : Math.min(policy.maxLockMs, policy.firstLockMs * 2 ** Math.min(beyond, 40));
  return { failures, lockedUntil: lock === 0 ? 0 : now + lock, updatedAt: now };
}

/**
 * A counter given its attempt back after a correct login: one attempt fewer, and no lock.
 * @example refunded({ failures: 6, lockedUntil: 9000, updatedAt: 1 }) // { failures: 5, lockedUntil: 0, updatedAt: 1 }
 */
export const refunded = (counter: LoginCounter): LoginCounter => ({
  ...counter,
  failures: Math.max(0, counter.failures - 1),
  lockedUntil: 0,
});

/**
 * Counters in a Map: the memory layer's, and the gateway's when it has no data layer (per process).
 * @example const store = memoryLoginCounters(); await store.chargeLogin([{ key: "u", freeAttempts: 5 }], Date.now(), policy);
 */
export function memoryLoginCounters(): LoginCounterStore {
  const counters = new Map<string, LoginCounter>();
  let swept = 0;
  return {
    chargeLogin: async (charges, now, policy) => {
      const until = lockedUntil(
        charges.map((c) => counters.get(c.key)),
        now,
      );
      if (until > 0) return until;
      // Forgetting idle counters is a walk over all of them: once a minute, not per attempt.
      if (now - swept >= 60_000) {
        swept = now;
        for (const [key, c] of counters) if (now - c.updatedAt >= policy.resetAfterMs) counters.delete(key);
      }
      for (const charge of charges) counters.set(charge.key, charged(counters.get(charge.key), charge, now, policy));
      return 0;
    },
    settleLogin: async (forget, refund) => {
      for (const key of forget) counters.delete(key);
      for (const key of refund) {
        const counter = counters.get(key);
        if (counter !== undefined) counters.set(key, refunded(counter));
      }
    },
  };
}
