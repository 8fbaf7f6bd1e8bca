/**
 * How Otava's change point method (src/history/changepoints.ts) behaves on synthetic nightly series, over
 * 200 seeded series each: `npx tsx scripts/changepoint-rates.ts [--ttest welch]`.
 *   step: 100 nights, 2% noise, ×1.08 from night 60, night 30 ×1.5 (an outlier)
 *   flat: 100 nights, 2% noise
 */
import { changePoints } from '../src/history/changepoints.js';
import { mulberry32, normal } from '../src/compare/random.js';

const ttest = process.argv.includes('--ttest') && process.argv[process.argv.indexOf('--ttest') + 1] === 'welch' ? 'welch' : 'student';
const N = 200;
let exact = 0;
let near = 0;
let atOutlier = 0;
let flat = 0;
for (let seed = 1; seed <= N; seed++) {
  const rng = mulberry32(seed);
  const step = Array.from({ length: 100 }, (_, i) => 100 * (i >= 60 ? 1.08 : 1) * (1 + 0.02 * normal(rng)));
  step[30] = step[30]! * 1.5;
  const cps = changePoints(step, { ttest });
  if (cps.length === 1 && cps[0]!.index === 60) exact++;
  if (cps.length === 1 && Math.abs(cps[0]!.index - 60) <= 1) near++;
  if (cps.some((c) => c.index === 30 || c.index === 31)) atOutlier++;
  const series = Array.from({ length: 100 }, () => 100 * (1 + 0.02 * normal(rng)));
  if (changePoints(series, { ttest }).length > 0) flat++;
}
process.stdout.write(`ttest ${ttest}, ${N} series each\n`);
process.stdout.write(`step at 60: exactly one change point at 60 in ${exact}/${N}, one within a night of 60 in ${near}/${N}, a change point at the outlier in ${atOutlier}/${N}\n`);
process.stdout.write(`flat: at least one change point in ${flat}/${N}\n`);
