/**
 * order-lifecycle: create an order, then cancel it, in the target's dialect (planned by src/workload/plan.ts like
 * every other request), both signed (keys from __ENV.LOADGATE_API_KEY / LOADGATE_API_SECRET, and
 * LOADGATE_API_PASSPHRASE for OKX). `order_rtt` is the whole create → cancel time.
 */
import { group } from 'k6';
import { Trend } from 'k6/metrics';
import type { Options } from 'k6/options';
import { CONFIG, baseOptions, noteAnswer, send, setupData, vuPlanner, type SetupData } from './common.ts';
import { executorFor } from '../src/engines/k6/executors.ts';
import type { RequestPlanner } from '../src/workload/plan.ts';

/** Every iteration places an order: refuse to start without a reference price (common.ts). */
export function setup(): SetupData {
  return setupData(true);
}

// Object.assign, not object spread: the bundles stay free of esbuild's ES2017 spread helpers (k6 0.48, issue 9).
export const options: Options = Object.assign(baseOptions(CONFIG), { scenarios: { [CONFIG.workload]: executorFor(CONFIG.load) } });

const orderRtt = new Trend('order_rtt', true);
let planner: RequestPlanner | undefined;

export default function (data: SetupData): void {
  // The planner is asked for each request by name; its mix is never drawn from here.
  planner ??= vuPlanner(data, [{ endpoint: 'createOrder', weight: 1 }], 104729);
  const p = planner;
  group('order lifecycle', () => {
    const t0 = Date.now();
    const create = p.build('createOrder');
    const created = send('createOrder', create);
    if (noteAnswer(p, create, created.res.status, created.res.body, created.failure) === undefined) return;
    // The planner cancels the newest order it holds: the one just created.
    const cancel = p.build('cancelOrder');
    const cancelled = send('cancelOrder', cancel);
    noteAnswer(p, cancel, cancelled.res.status, cancelled.res.body, cancelled.failure);
    if (cancelled.failure === undefined && cancelled.res.status !== 0) orderRtt.add(Date.now() - t0);
  });
}
