/**
 * soak: the REST mix ramped up over 5% of the time, then held at the workload's rate for the rest (long
 * runs: leaks, slow drifts, connection churn). Needs an open workload.
 */
import type { Options } from 'k6/options';
import { CONFIG, baseOptions, restIteration, type SetupData } from './common.ts';
import { soakScenario } from '../src/engines/k6/executors.ts';

export { setup } from './common.ts';

function shape(): Options['scenarios'] {
  const l = CONFIG.load;
  if (l.model !== 'open') throw new Error(`soak needs an open (rate-driven) workload; "${CONFIG.workload}" is ${l.model}`);
  const durationSec = l.durationSec ?? (l.stages ?? []).reduce((a, s) => a + s.durationSec, 0);
  return { [CONFIG.workload]: soakScenario(l.ratePerSec, durationSec, l.maxConnections, l.expectedP99Ms) };
}

export const options: Options = Object.assign(baseOptions(CONFIG), { scenarios: shape() });

export default function (data: SetupData): void {
  restIteration(data);
}
