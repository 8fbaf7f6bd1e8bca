/**
 * rest-mix: the suite's weighted endpoint mix, one request per iteration, each tagged with its operation
 * `name` (fetchMarkets, fetchOrderBook, fetchTicker, createOrder, cancelOrder) and checked.
 * Executor from the workload: open → constant/ramping-arrival-rate, closed → constant-vus.
 */
import type { Options } from 'k6/options';
import { CONFIG, baseOptions, restIteration, type SetupData } from './common.ts';
import { executorFor } from '../src/engines/k6/executors.ts';

export { setup } from './common.ts';

// Object.assign, not object spread: the bundles stay free of esbuild's ES2017 spread helpers (k6 0.48, issue 9).
export const options: Options = Object.assign(baseOptions(CONFIG), { scenarios: { [CONFIG.workload]: executorFor(CONFIG.load) } });

export default function (data: SetupData): void {
  restIteration(data);
}
