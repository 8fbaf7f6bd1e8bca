/**
 * The end-of-run clean-up of a k6 run (issue 16): the orders the run created and no cancel took, as its
 * `loadgate_orders` samples report them (aggregate.ts `restingOrders`), are cancelled by loadgate after the k6
 * process ends, in the target's dialect, with the Node engines' clean-up (exchange-requests.ts
 * `cancelRestingOrders`: bounded, 8 at a time, not measured) and reported the same way (`describeCleanup`).
 * A k6 teardown() could not do it: it runs apart from the VUs, which hold the order ids.
 */
import { cancelRestingOrders, describeCleanup, RequestFactory, type OrderCleanup } from '../exchange-requests.js';
import type { Workload } from '../../suite/schema.js';
import type { ResolvedTarget } from '../types.js';
import type { K6OrderRef } from './aggregate.js';

export interface K6Cleanup {
  cleanup: OrderCleanup;
  /** The report notes (none when the run left nothing resting). */
  notes: string[];
}

export async function cancelK6RestingOrders(target: ResolvedTarget, workload: Workload, orders: readonly K6OrderRef[], opts: { budgetMs?: number } = {}): Promise<K6Cleanup> {
  if (orders.length === 0) return { cleanup: { resting: 0, cancelled: 0, gone: 0, leftIds: [] }, notes: [] };
  const factory = new RequestFactory({ workload, credentials: target.credentials, seed: 1, dialect: target.dialect, custom: target.endpoints });
  // An order reported without a symbol (a foreign script) is cancelled on the workload's first symbol.
  factory.restoreOrders(orders.map((o) => ({ id: o.id, symbol: o.symbol !== '' ? o.symbol : factory.unified[0]! })));
  const cleanup = await cancelRestingOrders(target.baseUrl, factory, { timeoutMs: Math.min(target.timeoutMs, 5_000), budgetMs: opts.budgetMs ?? 10_000 });
  return { cleanup, notes: describeCleanup(workload.name, cleanup) };
}
