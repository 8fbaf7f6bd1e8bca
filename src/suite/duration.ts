/** Durations in suite files: a number of seconds, or a string such as "500ms", "30s", "2m", "1h". */
import { z } from 'zod';

const UNIT_SEC: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };

/**
 * The longest duration a run can wait for: Node's timers hold at most 2^31-1 ms (about 24.8 days); a longer
 * delay fires at once, so a run would end immediately and pass (issue 16 item 5).
 */
export const MAX_DURATION_SEC = Math.floor((2 ** 31 - 1) / 1000);

export function parseDurationSec(v: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)\s*$/.exec(v);
  if (!m) return undefined;
  return Number(m[1]) * UNIT_SEC[m[2]!]!;
}

const tooLong = `expected at most ${MAX_DURATION_SEC} s (about 24.8 days: the longest a timer can wait)`;

/** Accepts 30 or "30s" / "2m" / "500ms"; yields seconds. */
export const durationSec = z.union([
  z.number().nonnegative().max(MAX_DURATION_SEC, tooLong),
  z.string().transform((v, ctx) => {
    const sec = parseDurationSec(v);
    if (sec === undefined) {
      ctx.addIssue({ code: 'custom', message: `expected a duration like 30, "30s", "2m" or "500ms", got ${JSON.stringify(v)}` });
      return z.NEVER;
    }
    if (sec > MAX_DURATION_SEC) {
      ctx.addIssue({ code: 'custom', message: `${tooLong}, got ${JSON.stringify(v)}` });
      return z.NEVER;
    }
    return sec;
  }),
]);

/** A duration that must be longer than zero: a run's length, an SLA window. */
export const positiveDurationSec = durationSec.refine((v) => v > 0, { message: 'expected a duration above 0 (e.g. 30, "30s", "2m")' });
