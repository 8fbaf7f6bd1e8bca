/**
 * order-lifecycle: create an order, then cancel it, both signed with the mock's HMAC scheme (keys from
 * __ENV.LOADGATE_API_KEY / LOADGATE_API_SECRET). `order_rtt` is the whole create → cancel time.
 */
import exec from 'k6/execution';
import { check, group } from 'k6';
import { Trend } from 'k6/metrics';
import type { Options } from 'k6/options';
import { CONFIG, baseOptions, send, setupData, type SetupData } from './common.ts';
import { executorFor } from '../src/engines/k6/executors.ts';
import { cancelPath, extractOrderId, mulberry32, orderBody, ORDERS_PATH } from './lib/payloads.ts';

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
  const symbol = CONFIG.symbols[n % CONFIG.symbols.length]!;
  const clientOrderId = `lg-k6-life-${exec.vu.idInTest}-${++n}`;
  group('order lifecycle', () => {
    const t0 = Date.now();
    const created = send({ name: 'createOrder', method: 'POST', path: ORDERS_PATH, body: orderBody(CONFIG.order, symbol, data.prices[symbol], data.filters[symbol], rnd!, clientOrderId), signed: true }, CONFIG);
    const id = extractOrderId(created.body);
    if (!check(created, { 'order created': (r) => r.status === 201 || r.status === 200 }, { name: 'createOrder' }) || id === undefined) return;
    const canceled = send({ name: 'cancelOrder', method: 'DELETE', path: cancelPath(id), body: '', signed: true }, CONFIG);
    if (check(canceled, { 'order canceled': (r) => r.status === 200 }, { name: 'cancelOrder' })) orderRtt.add(Date.now() - t0);
  });
}
