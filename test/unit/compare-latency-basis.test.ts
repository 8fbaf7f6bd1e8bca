/**
 * Like-for-like latency in compare: an open-model run records latency from the intended send time (corrected)
 * and from the actual send; a k6 or closed-model run only from the actual send. Comparing corrected against
 * as-sent latency would call the queueing time a change of the system.
 */
import { describe, expect, it } from 'vitest';
import { compare } from '../../src/compare/index.js';
import { syntheticResult } from '../helpers/synthetic.js';

const api = { dist: 'lognormal' as const, p50Ms: 20, p99Ms: 80, n: 6000 };
const run = (seed: number, engine: string, queueMs?: number) =>
  syntheticResult({ seed, engine, durationSec: 30, endpoints: { fetchTicker: { ...api, ...(queueMs === undefined ? {} : { queueMs }) } } });
const p50 = (c: ReturnType<typeof compare>) => c.endpoints.find((e) => e.name === 'fetchTicker')!.metrics.find((m) => m.metric === 'p50Ms')!;

describe('compare: latency basis', () => {
  it('compares an open-model run with a k6 run on latency as sent, and says so', () => {
    const c = compare([run(1, 'open', 50)], [run(2, 'k6')]);
    expect(p50(c).verdict).toBe('unchanged');
    expect(p50(c).base!).toBeCloseTo(20, -1);
    expect(c.notes.join('\n')).toMatch(/fetchTicker: latency compared as sent \(uncorrected\) on every run, because candidate \(k6\) has no corrected latency/);
    // Mirrored, the same basis.
    expect(p50(compare([run(2, 'k6')], [run(1, 'open', 50)])).verdict).toBe('unchanged');
  });

  it('compares two open-model runs on corrected latency, so time spent waiting to be sent counts', () => {
    const c = compare([run(1, 'open', 0)], [run(2, 'open', 50)]);
    expect(p50(c).verdict).toBe('regressed');
    expect(c.notes.join('\n')).not.toMatch(/compared as sent/);
  });

  it('compares on latency as sent everywhere with latencyBasis uncorrected', () => {
    const c = compare([run(1, 'open', 0)], [run(2, 'open', 50)], { latencyBasis: 'uncorrected' });
    expect(p50(c).verdict).toBe('unchanged');
    expect(c.notes.join('\n')).toMatch(/compared as sent \(uncorrected\) on every endpoint, as asked/);
    expect(() => compare([run(1, 'open', 0)], [run(2, 'open', 50)], { latencyBasis: 'nope' as never })).toThrow(/auto or uncorrected/);
  });
});
