/** Token-bucket rate limiting for the mock exchange, on the injected clock. */

interface Bucket {
  tokens: number;
  updatedMs: number;
}

/** One token bucket per key (API key or remote address), refilled lazily on each take. */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly capacity: number,
    private readonly refillPerSec: number,
    /** Beyond this many keys all buckets start over full: bounds memory if keys are unbounded. */
    private readonly maxKeys = 100_000,
  ) {}

  /** Takes one token for `key`: 0 when allowed, otherwise the whole seconds (≥ 1) until one is available. */
  take(key: string, nowMs: number): number {
    let b = this.buckets.get(key);
    if (b === undefined) {
      if (this.buckets.size >= this.maxKeys) this.buckets.clear();
      b = { tokens: this.capacity, updatedMs: nowMs };
      this.buckets.set(key, b);
    } else if (nowMs > b.updatedMs) {
      b.tokens = Math.min(this.capacity, b.tokens + ((nowMs - b.updatedMs) * this.refillPerSec) / 1000);
      b.updatedMs = nowMs;
    }
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / this.refillPerSec));
  }

  reset(): void {
    this.buckets.clear();
  }
}
