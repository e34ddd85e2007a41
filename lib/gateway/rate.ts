// A token bucket per connection: a steady rate with bursts up to twice that.

/** Counts frames against `perSecond` (burst 2x). `take()` is false when the frame is over the limit. */
export class RateLimiter {
  #tokens: number;
  #last = performance.now();
  readonly #burst: number;

  readonly perSecond: number;

  constructor(perSecond: number) {
    this.perSecond = perSecond;
    this.#burst = perSecond * 2;
    this.#tokens = this.#burst;
  }

  take(): boolean {
    if (this.perSecond <= 0) return true;
    const now = performance.now();
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#last) * this.perSecond) / 1000);
    this.#last = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
