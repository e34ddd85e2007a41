// Login throttling: per username and per client address, a few attempts in a row are free, then each further one
// locks the key out for a window that doubles. An attempt is counted before the password is checked (so parallel
// guesses count too) and given back when it succeeds. Counters live in the data layer, shared by every process and
// node using it, or in memory without one.
import { createHash } from "node:crypto";
import type { LockPolicy } from "../data/layer.ts";
import type { LoginCounterStore } from "../data/login-counters.ts";
import { ChatwireError } from "../errors.ts";

/** Options of the login throttle (the gateway's `loginThrottle`); each one absent takes its default. */
export interface LoginThrottleOptions {
  /** Attempts in a row one username may make before it is locked out. Default 5. */
  readonly attemptsPerUser?: number;
  /** Failed attempts in a row from one client address (an IPv6 address counts by its /64) before it is locked
   * out. Default 20: people behind one NAT share it. */
  readonly attemptsPerAddress?: number;
  /** The first lock-out; each further attempt doubles it. Default 1000 ms. */
  readonly firstLockMs?: number;
  /** The longest lock-out. Default 15 min. */
  readonly maxLockMs?: number;
  /** A counter with no attempt for this long starts over. Default 1 h; never less than `maxLockMs`. */
  readonly resetAfterMs?: number;
}

/** What the throttle says about one login attempt. */
export type LoginVerdict =
  | {
      readonly allowed: true /** Call after a correct password: resets the username, gives the address its
       * attempt back. */;
      succeeded(): Promise<void>;
    }
  | {
      readonly allowed: false /** Whole seconds until the lock-out ends (`Retry-After`). */;
      readonly retryAfterSeconds: number;
    };

/** Decides whether a login attempt may check its password. */
export interface LoginThrottle {
  attempt(username: string, address: string): Promise<LoginVerdict>;
}

const DEFAULTS: Required<LoginThrottleOptions> = {
  attemptsPerUser: 5,
  attemptsPerAddress: 20,
  firstLockMs: 1000,
  maxLockMs: 15 * 60_000,
  resetAfterMs: 60 * 60_000,
};

/** The options with their defaults; throws INVALID_OPTION for a value that is not a positive integer. */
function resolved(options: LoginThrottleOptions): Required<LoginThrottleOptions> {
  const all = { ...DEFAULTS };
  for (const [name, value] of Object.entries(options) as [keyof LoginThrottleOptions, number | undefined][]) {
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new ChatwireError("INVALID_OPTION", `loginThrottle.${name} must be a positive integer, not ${value}`);
    }
    all[name] = value;
  }
  return { ...all, resetAfterMs: Math.max(all.resetAfterMs, all.maxLockMs) };
}

/**
 * The group an address is counted in: an IPv4 address itself (also when IPv4-mapped), an IPv6 address by its first
 * 64 bits, since one host usually holds a whole /64.
 * @example addressGroup("2001:db8:1:2:aaaa::1") === "2001:db8:1:2::/64"
 */
export function addressGroup(address: string): string {
  const bare = (address.split("%")[0] ?? "").toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(bare);
  if (mapped?.[1] !== undefined) return mapped[1];
  if (!bare.includes(":")) return bare;
  const [head = "", tail] = bare.split("::");
  const groups = (part: string) =>
    (part === "" ? [] : part.split(":")).flatMap((g) => (g.includes(".") ? [g, g] : [g]));
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const full = [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill("0"), ...right];
  return `${full
    .slice(0, 4)
    .map((g) => (g.includes(".") ? g : g.replace(/^0+(?=.)/, "")))
    .join(":")}::/64`;
}

/** Counter keys are hashes: the table never holds usernames (people type passwords there) nor addresses. */
const keyOf = (kind: string, value: string): string => createHash("sha256").update(`${kind}:${value}`).digest("hex");

/**
 * A throttle keeping its counters in `store` (the data layer, or `memoryLoginCounters()`).
 * @example
 * const throttle = createLoginThrottle(layer, { attemptsPerUser: 3 });
 * const verdict = await throttle.attempt(username, request.ip);
 * if (!verdict.allowed) reply.code(429).header("retry-after", String(verdict.retryAfterSeconds));
 */
export function createLoginThrottle(store: LoginCounterStore, options: LoginThrottleOptions = {}): LoginThrottle {
  const { attemptsPerUser, attemptsPerAddress, ...rest } = resolved(options);
  const policy: LockPolicy = rest;
  return {
    async attempt(username, address) {
      // Case and Unicode form do not make a new username: "Ada" and "ada" share one counter.
      const user = keyOf("user", username.normalize("NFKC").toLowerCase());
      const group = keyOf("address", addressGroup(address));
      const now = Date.now();
      const charges = [
        { key: user, freeAttempts: attemptsPerUser },
        { key: group, freeAttempts: attemptsPerAddress },
      ];
      const lockedUntil = await store.chargeLogin(charges, now, policy);
      if (lockedUntil > 0)
        return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((lockedUntil - now) / 1000)) };
      return { allowed: true, succeeded: () => store.settleLogin([user], [group]) };
    },
  };
}
