/** Reconnect delays: capped exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"). */
export interface BackoffOptions {
  /** Upper bound of the first delay, ms. Default 100. */
  baseMs: number;
  /** No delay exceeds this, ms. Default 5000. */
  capMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 100, capMs: 5_000 };

/**
 * Delay before reconnect attempt `attempt` (0 for the first after a disconnect): uniform in
 * `[0, min(capMs, baseMs · 2^attempt))`. Full jitter spreads a herd of clients that lost the server at once.
 */
export function backoffDelayMs(attempt: number, opts: BackoffOptions, random: () => number): number {
  const ceiling = Math.min(opts.capMs, opts.baseMs * 2 ** Math.min(attempt, 30));
  return random() * ceiling;
}
