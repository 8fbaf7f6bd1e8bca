/** Durations in suite files: a number of seconds, or a string such as "500ms", "30s", "2m", "1h". */
import { z } from 'zod';

const UNIT_SEC: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };

export function parseDurationSec(v: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)\s*$/.exec(v);
  if (!m) return undefined;
  return Number(m[1]) * UNIT_SEC[m[2]!]!;
}

/** Accepts 30 or "30s" / "2m" / "500ms"; yields seconds. */
export const durationSec = z.union([
  z.number().nonnegative(),
  z.string().transform((v, ctx) => {
    const sec = parseDurationSec(v);
    if (sec === undefined) {
      ctx.addIssue({ code: 'custom', message: `expected a duration like 30, "30s", "2m" or "500ms", got ${JSON.stringify(v)}` });
      return z.NEVER;
    }
    return sec;
  }),
]);
