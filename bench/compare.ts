/**
 * compare (issue #5) on two one-million-sample results, one run per side: the full bootstrap (2000 replicates
 * per metric) against a reference measured in the same run — decoding both latency histograms and reading
 * their percentiles once, which is the least any comparison has to do.
 */
import { decodeHistogram, summarizeHistogram } from '../src/result/histogram.js';
import { compare } from '../src/compare/index.js';
import { syntheticResult } from '../test/helpers/synthetic.js';

const SAMPLES = 1_000_000;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export async function run(): Promise<string> {
  const t0 = performance.now();
  const mk = (seed: number, p99Ms: number) =>
    syntheticResult({ seed, durationSec: 100, endpoints: { fetchTicker: { dist: 'lognormal', p50Ms: 20, p99Ms, n: SAMPLES, errorRatePct: 0.5 } } });
  const a = mk(1, 80);
  const b = mk(2, 88);
  const genSec = (performance.now() - t0) / 1000;

  const ref: number[] = [];
  const cmp: number[] = [];
  let verdict = '';
  for (let i = 0; i < 3; i++) {
    let t = performance.now();
    for (const r of [a, b]) summarizeHistogram(decodeHistogram(r.endpoints.fetchTicker!.latency));
    ref.push(performance.now() - t);
    t = performance.now();
    const c = compare([a], [b], { seed: i });
    cmp.push(performance.now() - t);
    const p99 = c.endpoints[0]!.metrics.find((m) => m.metric === 'p99Ms')!;
    verdict = `p99 ${p99.deltaPct!.toFixed(1)}% [${p99.ci!.lowPct.toFixed(1)}, ${p99.ci!.highPct.toFixed(1)}] ${p99.verdict}`;
  }
  const c = median(cmp);
  const r = median(ref);

  // The statistical claims, measured the way test/unit/compare-aa.test.ts asserts them.
  const endpoints = {
    fetchTicker: { dist: 'lognormal' as const, p50Ms: 20, p99Ms: 80, n: 6000, errorRatePct: 1 },
    createOrder: { dist: 'lognormal' as const, p50Ms: 60, p99Ms: 400, n: 2000, errorRatePct: 2 },
  };
  const trials = 200;
  let aaRegressed = 0;
  for (let i = 0; i < trials; i++) {
    const x = syntheticResult({ seed: 10_000 + 2 * i, durationSec: 10, endpoints });
    const y = syntheticResult({ seed: 10_001 + 2 * i, durationSec: 10, endpoints });
    if (compare([x], [y], { seed: i, bootstrapIterations: 1000 }).counts.regressed > 0) aaRegressed++;
  }
  return [
    `two results of ${SAMPLES.toLocaleString('en')} samples each (generated in ${genSec.toFixed(1)} s)`,
    `compare, one run per side, 2000 bootstrap replicates/metric: ${c.toFixed(0)} ms (median of 3)`,
    `reference, decode + read percentiles of both: ${r.toFixed(0)} ms → compare is ${(c / r).toFixed(1)}× the reference`,
    `sanity (true p99 shift +10%): ${verdict}`,
    `A/A (same distribution both sides), ${trials} seeded trials: ${aaRegressed} with a "regressed" verdict (${((aaRegressed / trials) * 100).toFixed(1)}%, limit 5%)`,
  ].join('\n');
}
