/**
 * Timers for durations from suite files. Node's setTimeout takes at most 2^31 − 1 ms (about 24.8 days): a longer
 * delay fires after 1 ms with a TimeoutOverflowWarning, so a stream `durationSec` of 2.2 million ended at once and
 * passed (issue 16). These chain timers of at most that length, so any finite delay waits as long as it says.
 */

/** The longest delay Node's setTimeout honours, ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export interface LongTimeout {
  clear(): void;
}

/**
 * Calls `fn` once after `ms` (chained under MAX_TIMER_MS each). `set` / `clear` default to the global timers;
 * tests inject their own.
 */
export function setLongTimeout(
  fn: () => void,
  ms: number,
  set: (fn: () => void, ms: number) => unknown = (f, d) => setTimeout(f, d),
  clear: (h: unknown) => void = (h) => clearTimeout(h as NodeJS.Timeout),
  maxChunkMs = MAX_TIMER_MS,
): LongTimeout {
  let handle: unknown;
  let cleared = false;
  let remaining = Number.isFinite(ms) ? Math.max(0, ms) : Number.POSITIVE_INFINITY;
  const arm = (): void => {
    const chunk = Math.min(remaining, maxChunkMs);
    remaining -= chunk;
    handle = set(() => {
      if (cleared) return;
      if (remaining > 0) arm();
      else fn();
    }, chunk);
  };
  arm();
  return {
    clear(): void {
      cleared = true;
      if (handle !== undefined) clear(handle);
    },
  };
}

/** Resolves after `ms` (chained, see setLongTimeout), or at once when `signal` aborts. Never rejects. */
export function sleepLong(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      signal?.removeEventListener('abort', done);
      t.clear();
      resolve();
    };
    const t = setLongTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
