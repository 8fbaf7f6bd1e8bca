/**
 * spike: the REST mix at the workload's rate, a fast jump to rate × spikeFactor (default 5), held, then back
 * down and held again to watch recovery (src/engines/k6/executors.ts spikeScenario). Needs an open workload.
 */
import type { Options } from 'k6/options';
import { CONFIG, baseOptions, restIteration, type SetupData } from './common.ts';
import { spikeScenario } from '../src/engines/k6/executors.ts';

export { setup } from './common.ts';

function shape(): Options['scenarios'] {
  const l = CONFIG.load;
  if (l.model !== 'open') throw new Error(`spike needs an open (rate-driven) workload; "${CONFIG.workload}" is ${l.model}`);
  const durationSec = l.durationSec ?? (l.stages ?? []).reduce((a, s) => a + s.durationSec, 0);
  return { [CONFIG.workload]: spikeScenario(l.ratePerSec, durationSec, l.maxConnections, CONFIG.spikeFactor ?? 5, l.expectedP99Ms) };
}

export const options: Options = Object.assign(baseOptions(CONFIG), { scenarios: shape() });

export default function (data: SetupData): void {
  restIteration(data);
}
