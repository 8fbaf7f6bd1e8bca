/**
 * Live-order safety (issue 10, "Safety"): a workload that creates or cancels orders is refused against a target
 * that is not loopback unless the suite says `target.allowLiveOrders: true` AND the caller passes `--live`
 * (`live: true` to runSuite). Pure: the host is read from the URL text, nothing is resolved or contacted, so a
 * refusal happens before any connection or DNS lookup.
 */
import { InputError } from './errors.js';
import { hostOf, isLoopbackHost } from './loopback.js';

export { hostOf, isLoopbackHost };
import { mixPlacesOrders } from './workload/plan.js';
import { scenarioFor } from './engines/k6/config.js';
import { engineOf, type Suite, type Workload } from './suite/schema.js';

/**
 * Why a workload creates or cancels orders, or undefined when it does not: its mix has createOrder / cancelOrder
 * (cancelOrder's set-up creates the orders it cancels), a custom endpoint that is not a GET, an SDK driver's
 * order methods, or it runs on k6 as the order-lifecycle scenario.
 * `engine` is the engine it will really run on (`loadgate run --engine` overrides HTTP workloads);
 * `k6Scenario` is LOADGATE_K6_SCENARIO, which overrides the scenario of every k6 workload.
 */
export function orderReason(w: Workload, engine: string = engineOf(w), k6Scenario?: string, customEndpoints: Suite['target']['endpoints'] = {}): string | undefined {
  if (w.mix && mixPlacesOrders(w.mix)) {
    const ops = [...new Set(w.mix.map((m) => m.endpoint).filter((e) => e === 'createOrder' || e === 'cancelOrder'))];
    return `its mix has ${ops.join(' and ')}`;
  }
  // A custom endpoint that is not a GET may place or cancel orders (or change anything else): same opt-ins.
  const writes = [...new Set((w.customMix ?? []).map((m) => m.endpoint))].flatMap((name) => {
    const spec = customEndpoints?.[name];
    return spec !== undefined && spec.method !== 'GET' ? [`${name} (${spec.method} ${spec.path})`] : [];
  });
  if (writes.length > 0) return `its mix has custom endpoint${writes.length > 1 ? 's' : ''} ${writes.join(', ')}, which may change state`;
  // An SDK's own order methods (createLimitBuyOrder, editOrder, cancelAllOrders, …): anything about orders but a read.
  const sdkOrders = (w.driver?.methods ?? []).map((m) => m.method).filter(isOrderMethod);
  if (sdkOrders.length > 0) return `its driver calls ${[...new Set(sdkOrders)].join(', ')}`;
  if (engine === 'k6' && scenarioFor(w, k6Scenario) === 'order-lifecycle') return 'it runs the k6 order-lifecycle scenario, which creates and cancels';
  return undefined;
}

/** An SDK method that creates, edits or cancels orders: its name mentions orders and it is not a fetch or watch. */
export function isOrderMethod(method: string): boolean {
  return /order/i.test(method) && !/^(fetch|watch|unwatch|load)/i.test(method);
}

export interface LiveOrderPolicy {
  /** The URL requests would go to (`--target-url` of `loadgate k6`); default the suite's target.url. */
  targetUrl?: string | undefined;
  /** `--live` was given. */
  live?: boolean | undefined;
  /** `--engine` of `loadgate run`: the engine every HTTP workload runs on. */
  engine?: string | undefined;
  /** LOADGATE_K6_SCENARIO. */
  k6Scenario?: string | undefined;
}

export interface OrderWorkload {
  workload: string;
  reason: string;
}

export interface LiveOrderDecision {
  /** The host requests go to; undefined for the built-in mock. */
  host: string | undefined;
  loopback: boolean;
  /** The workloads that create or cancel orders. */
  orderWorkloads: OrderWorkload[];
  /** Live orders would be sent (remote host, order workloads, both opt-ins given). */
  live: boolean;
  /** Why the run is refused, or undefined when it may start. */
  refusal: { message: string; hint: string } | undefined;
}

/** The engine a workload runs on under `--engine` (stream workloads keep theirs), as runSuite picks it. */
export function effectiveEngine(w: Workload, engine: string | undefined): string {
  // A driver workload times its SDK (the sdk engine): `--engine` (e.g. k6) cannot take it over.
  return engine && w.load.model !== 'stream' && w.driver === undefined ? engine : engineOf(w);
}

/** Decide whether a suite may start under the live-order policy. Pure. */
export function liveOrderDecision(suite: Suite, policy: LiveOrderPolicy = {}): LiveOrderDecision {
  const url = policy.targetUrl ?? suite.target.url;
  // The built-in mock runs on this machine (127.0.0.1): nothing leaves it.
  const host = url === undefined ? undefined : (hostOf(url) ?? url);
  const loopback = host === undefined || isLoopbackHost(host);
  const orderWorkloads = suite.workloads.flatMap((w) => {
    const reason = orderReason(w, effectiveEngine(w, policy.engine), policy.k6Scenario, suite.target.endpoints);
    return reason === undefined ? [] : [{ workload: w.name, reason }];
  });
  const allowed = suite.target.allowLiveOrders === true;
  const live = policy.live === true;
  const remoteOrders = !loopback && orderWorkloads.length > 0;
  let refusal: LiveOrderDecision['refusal'];
  if (remoteOrders && !(allowed && live)) {
    const names = orderWorkloads.map((o) => `"${o.workload}" (${o.reason})`).join(', ');
    const missing = [!allowed && '`target.allowLiveOrders: true` in the suite', !live && '`--live` on the command line'].filter(Boolean).join(' and ');
    refusal = {
      message: `refusing to send orders to ${host}, which is not loopback: workload${orderWorkloads.length > 1 ? 's' : ''} ${names} create${orderWorkloads.length > 1 ? '' : 's'} or cancel${orderWorkloads.length > 1 ? '' : 's'} orders; nothing was sent`,
      hint: `real orders on a real exchange need both opt-ins: ${missing} ${allowed || live ? 'is' : 'are'} missing; or point the suite at the built-in mock (\`target: { mock: true }\`), or drop createOrder / cancelOrder from the mix`,
    };
  }
  return { host, loopback, orderWorkloads, live: remoteOrders && refusal === undefined, refusal };
}

/** Throws the refusal (InputError, exit 2) when the suite may not start; returns the decision otherwise. */
export function assertLiveOrdersAllowed(suite: Suite, policy: LiveOrderPolicy = {}): LiveOrderDecision {
  const d = liveOrderDecision(suite, policy);
  if (d.refusal) throw new InputError('LG_LIVE_ORDERS_REFUSED', d.refusal.message, { hint: d.refusal.hint });
  return d;
}
