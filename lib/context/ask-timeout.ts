// The bounds of an ask's timeout: above 0, finite, and within the gateway's `maxAskTimeoutMs` (itself within what
// Node's timers can wait: a longer delay would fire after 1 ms and time the ask out at once).
import { ChatwireError } from "../errors.ts";
import { MAX_TIMER_MS } from "../runtime/timers.ts";

/**
 * `timeoutMs` when an ask may wait that long; throws BAD_ASK_TIMEOUT otherwise (0 or less, NaN, Infinity, or above
 * `maxMs`), before the ask is sent.
 * @example checkedAskTimeout(ask.timeoutMs ?? 60_000, 24 * 3600 * 1000);
 */
export function checkedAskTimeout(timeoutMs: number, maxMs = MAX_TIMER_MS): number {
  const max = Math.min(maxMs, MAX_TIMER_MS);
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0 || timeoutMs > max) {
    throw new ChatwireError(
      "BAD_ASK_TIMEOUT",
      `an ask's timeoutMs must be above 0 and at most ${max} ms (maxAskTimeoutMs), not ${timeoutMs}`,
    );
  }
  return timeoutMs;
}
