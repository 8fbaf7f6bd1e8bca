/**
 * order-lifecycle: create an order, then cancel it, in the target's dialect, both signed (keys from
 * __ENV.LOADGATE_API_KEY / LOADGATE_API_SECRET, and LOADGATE_API_PASSPHRASE for OKX). `order_rtt` is the whole
 * create → cancel time.
 */
import exec from 'k6/execution';
import { group } from 'k6';
import { Trend } from 'k6/metrics';
import type { Options } from 'k6/options';
import { CONFIG, DIALECT, baseOptions, noteAnswer, send, setupData, unified, wireRequest, type SetupData } from './common.ts';
import { executorFor } from '../src/engines/k6/executors.ts';
import { mulberry32 } from '../src/random.ts';
import { orderInput } from './lib/payloads.ts';

/** Every iteration places an order: refuse to start without a reference price (common.ts). */
export function setup(): SetupData {
  return setupData(true);
}

// Object.assign, not object spread: the bundles stay free of esbuild's ES2017 spread helpers (k6 0.48, issue 9).
export const options: Options = Object.assign(baseOptions(CONFIG), { scenarios: { [CONFIG.workload]: executorFor(CONFIG.load) } });

const orderRtt = new Trend('order_rtt', true);
let rnd: (() => number) | undefined;
let n = 0;

export default function (data: SetupData): void {
  rnd ??= mulberry32(exec.vu.idInTest * 104729);
  const written = CONFIG.symbols[n % CONFIG.symbols.length]!;
  const symbol = unified(written);
  const clientOrderId = DIALECT.clientOrderId(`lg-k6-life-${exec.vu.idInTest}-${++n}`);
  group('order lifecycle', () => {
    const t0 = Date.now();
    const order = orderInput(CONFIG.order, symbol, data.prices[written], data.filters[written], rnd!, clientOrderId);
    const created = send('createOrder', wireRequest('createOrder', { symbol, order }));
    const id = noteAnswer('createOrder', undefined, symbol, created.res.status, created.res.body, created.failure);
    if (id === undefined) return;
    const own = { id, symbol };
    const cancelled = send('cancelOrder', wireRequest('cancelOrder', { symbol, orderId: id }));
    noteAnswer('cancelOrder', own, symbol, cancelled.res.status, cancelled.res.body, cancelled.failure);
    if (cancelled.failure === undefined && cancelled.res.status !== 0) orderRtt.add(Date.now() - t0);
  });
}
