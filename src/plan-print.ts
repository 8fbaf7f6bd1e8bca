/**
 * `loadgate run --dry-run`: what a run would send, without sending anything (issue 10, "Safety"). Pure: the
 * suite in, a plan (data) and its text out; no network, no files, no clock.
 */
import { closedWarmUpPlan } from './engines/closed.js';
import { DIALECT_NAMES, getDialect } from './dialect/registry.js';
import { closedOrderPool, SETUP_ORDER_POOL } from './engines/exchange-requests.js';
import type { RestOperation } from './dialect/types.js';
import { buildRateProfile, expectedArrivals } from './engines/open/schedule.js';
import { workerWarmUp } from './engines/open/runner.js';
import { executorFor, soakScenario, spikeScenario, type K6Scenario } from './engines/k6/executors.js';
import { loadSpecOf, scenarioFor } from './engines/k6/config.js';
import { planRateCap, type RateCapOptions, type WorkloadCap } from './rate-cap.js';
import { effectiveEngine, liveOrderDecision, type LiveOrderDecision } from './safety.js';
import { loadSeconds, targetDialect, workloadMix, type Suite, type Workload } from './suite/schema.js';

export interface DryRunOptions extends RateCapOptions {
  /** `--live` was given. */
  live?: boolean | undefined;
}

export interface PlannedOperation {
  op: string;
  method: string | undefined;
  path: string | undefined;
  signed: boolean;
  rateLimit: string | undefined;
  /** Share of the workload's requests. */
  share: number;
  /** Requests expected (undefined when the load is not bounded by a rate). */
  requests: number | undefined;
}

export interface PlannedWorkload {
  name: string;
  engine: string;
  /** k6 scenario, for k6 workloads. */
  k6Scenario: string | undefined;
  model: Workload['load']['model'];
  startAfterSec: number;
  durationSec: number;
  /** One line: rate, stages or connections, and the cap when there is one. */
  load: string;
  operations: PlannedOperation[];
  /** Requests expected in total; undefined for closed workloads without a cap (as many as the target answers). */
  requests: number | undefined;
  /** Requests at most (closed workloads under maxRatePerSec). */
  requestsAtMost: number | undefined;
  orders: { expected: number | undefined; atMost: number | undefined; setupPool: number; notionalMin: number; notionalMax: number; quote: string; price: string } | undefined;
  cap: WorkloadCap | undefined;
  /** The SDK driving it (`ccxt binance`, a module), for driver workloads. */
  driver: string | undefined;
  /** Open and closed engines: unmeasured health requests sent before the clock starts to open the pool. */
  warmUp: { requests: number; connections: number } | undefined;
}

export interface DryRunPlan {
  suite: string;
  target: string;
  dialect: string;
  dialectLimits: { doc: string; rest: string[] };
  maxRatePerSec: number | undefined;
  healthProbes: string;
  workloads: PlannedWorkload[];
  live: LiveOrderDecision;
}

const fmt = (n: number, digits = 1): string => (Number.isInteger(n) ? n.toLocaleString('en-US') : n.toLocaleString('en-US', { maximumFractionDigits: digits }));

/** Arrivals a k6 arrival-rate executor starts (startRate, then linear ramps), per its own timeUnit. */
function k6Arrivals(s: K6Scenario): number | undefined {
  const sec = (d: string) => Number(d.replace(/s$/, ''));
  const perSec = (r: number, unit: string) => (unit === '1m' ? r / 60 : r);
  if (s.executor === 'constant-arrival-rate') return perSec(s.rate, s.timeUnit) * sec(s.duration);
  if (s.executor === 'ramping-arrival-rate') {
    let rate = perSec(s.startRate, s.timeUnit);
    let n = 0;
    for (const st of s.stages) {
      const to = perSec(st.target, s.timeUnit);
      n += ((rate + to) / 2) * sec(st.duration);
      rate = to;
    }
    return n;
  }
  return undefined;
}

/** The open engine's warm-up, summed over its workers (src/engines/open/runner.ts), or the closed engine's (src/engines/closed.ts). */
function warmUpOf(w: Workload, engine: string): PlannedWorkload['warmUp'] {
  const l = w.load;
  if (engine === 'closed' && l.model === 'closed') {
    const p = closedWarmUpPlan(l.connections);
    return { requests: p.connections * p.rounds, connections: p.connections };
  }
  if (engine !== 'open' || l.model !== 'open') return undefined;
  const plans = Array.from({ length: l.workers }, (_, i) => workerWarmUp(l, i, l.workers));
  return { requests: plans.reduce((n, p) => n + p.connections * p.rounds, 0), connections: plans.reduce((n, p) => n + p.connections, 0) };
}

/** Requests an open workload sends: its arrivals (k6: per its scenario's shape) × requests per arrival. */
function openRequests(w: Workload, engine: string, k6: string | undefined): number {
  const l = w.load;
  if (l.model !== 'open') return 0;
  if (engine !== 'k6') return expectedArrivals(buildRateProfile(l), loadSeconds(l));
  const durationSec = loadSeconds(l);
  const ex = k6 === 'spike' ? spikeScenario(l.ratePerSec, durationSec, l.maxConnections) : k6 === 'soak' ? soakScenario(l.ratePerSec, durationSec, l.maxConnections) : executorFor(loadSpecOf(w));
  return (k6Arrivals(ex) ?? 0) * (k6 === 'order-lifecycle' ? 2 : 1);
}

function loadLine(w: Workload, cap: WorkloadCap | undefined, k6: string | undefined): string {
  const l = w.load;
  // An order-lifecycle iteration is a create and a cancel: its rate counts iterations.
  const unit = k6 === 'order-lifecycle' ? 'iterations/s (2 requests each)' : 'req/s';
  switch (l.model) {
    case 'open': {
      const stages = l.stages ? `, stages ${l.stages.map((s) => `→ ${fmt(s.targetRatePerSec, 3)}/s over ${fmt(s.durationSec)} s`).join(', ')}` : '';
      const capped = cap?.capped ? ` (capped by target.maxRatePerSec: ${cap.changes.join('; ')})` : '';
      return `open, ${fmt(l.ratePerSec, 3)} ${unit}${stages}, ${l.arrival} arrivals, up to ${l.maxConnections} connections${l.workers > 1 ? `, ${l.workers} worker threads` : ''}${capped}`;
    }
    case 'closed': {
      const rate = cap?.rateCapPerSec !== undefined ? `limited to ${cap.rateCapPerSec} req/s by target.maxRatePerSec` : 'unbounded by rate: as fast as the target answers';
      return `closed, ${l.connections} connections × ${fmt(l.durationSec)} s${l.pipelining > 1 ? `, pipelining ${l.pipelining}` : ''}, ${rate}`;
    }
    case 'stream': {
      const subs = (w.streams ?? []).map((st) => `${st.channel} × ${(st.symbols ?? w.symbols).length} symbol${(st.symbols ?? w.symbols).length > 1 ? 's' : ''}`).join(', ');
      return `stream, ${l.connections} WebSocket connections opened at ${fmt(l.connectRatePerSec)}/s, each subscribed to ${subs}`;
    }
  }
}

function driverName(w: Workload): string | undefined {
  const d = w.driver;
  if (d === undefined) return undefined;
  return 'sdk' in d ? `${d.sdk} ${d.exchange}` : `${d.module}${d.exchange ? ` ${d.exchange}` : ''}`;
}

function quoteOf(symbols: readonly string[]): string {
  const quotes = [...new Set(symbols.map((s) => s.split(/[-/]/)[1] ?? '?'))];
  return quotes.join(' / ');
}

/** The plan of a run, from the suite alone. Throws what a real run would throw up front (e.g. a cap too low). */
export function dryRunPlan(suite: Suite, opts: DryRunOptions = {}): DryRunPlan {
  const dialectName = targetDialect(suite.target);
  const dialect = getDialect(dialectName);
  const rest = dialect.rest as Readonly<Record<string, RestOperation | undefined>>;
  const custom = (suite.target.endpoints ?? {}) as Readonly<Record<string, { method: string; path: string; signed?: boolean } | undefined>>;
  const rateCap = planRateCap(suite, opts);
  const live = liveOrderDecision(suite, { live: opts.live, engine: opts.engine, k6Scenario: opts.k6Scenario });
  const workloads = rateCap.suite.workloads.map((w): PlannedWorkload => {
    const engine = effectiveEngine(w, opts.engine);
    const k6 = engine === 'k6' ? scenarioFor(w, opts.k6Scenario) : undefined;
    const cap = rateCap.caps.find((c) => c.workload === w.name);
    const durationSec = loadSeconds(w.load);
    const l = w.load;
    const requests = l.model === 'open' ? openRequests(w, engine, k6) : l.model === 'stream' ? 0 : undefined;
    const requestsAtMost = l.model === 'closed' && cap?.rateCapPerSec !== undefined ? cap.rateCapPerSec * Math.ceil(durationSec) : undefined;
    // The k6 order-lifecycle scenario ignores the mix: each iteration creates an order and cancels it.
    const mix: Array<{ endpoint: string; weight: number }> =
      k6 === 'order-lifecycle' ? [{ endpoint: 'createOrder', weight: 1 }, { endpoint: 'cancelOrder', weight: 1 }] : [...workloadMix(w), ...(w.driver?.methods ?? []).map((m) => ({ endpoint: m.method, weight: m.weight }))];
    const total = mix.reduce((a, m) => a + m.weight, 0);
    const perOp = new Map<string, number>();
    for (const m of mix) perOp.set(m.endpoint, (perOp.get(m.endpoint) ?? 0) + m.weight / total);
    const operations = [...perOp].map(([op, share]): PlannedOperation => {
      // A built-in operation in the target's dialect, else a custom endpoint of the target (target.endpoints).
      const r = rest[op] ?? custom[op];
      return { op, method: r?.method, path: r?.path, signed: r?.signed ?? false, rateLimit: rest[op]?.rateLimit, share, requests: requests === undefined ? undefined : requests * share };
    });
    const createShare = perOp.get('createOrder') ?? 0;
    const placesOrders = live.orderWorkloads.some((o) => o.workload === w.name);
    // Set-up creates resting orders for cancelOrder to cancel, as many as the engines place (SETUP_ORDER_POOL).
    const setupPool = !perOp.has('cancelOrder') ? 0 : (engine === 'autocannon' || engine === 'closed') && l.model === 'closed' ? closedOrderPool(l.connections) : engine === 'open' && l.model === 'open' ? SETUP_ORDER_POOL.openPerWorker * l.workers : engine === 'sdk' ? SETUP_ORDER_POOL.sdk : 0;
    const o = w.order;
    const price = o.type === 'market' ? 'market orders: filled at the market price' : `limit, ${fmt(o.priceOffsetPct, 3)}% away from the last price read from the ticker at set-up (unknown until then)`;
    const orders = placesOrders
      ? {
          expected: requests === undefined ? undefined : requests * createShare,
          atMost: requestsAtMost === undefined ? undefined : requestsAtMost * createShare,
          setupPool,
          notionalMin: o.notionalMin,
          notionalMax: o.notionalMax,
          quote: quoteOf(w.symbols),
          price,
        }
      : undefined;
    return { name: w.name, engine, k6Scenario: k6, model: l.model, startAfterSec: w.startAfterSec, durationSec, load: loadLine(w, cap, k6), operations, requests, requestsAtMost, orders, cap, driver: driverName(w), warmUp: warmUpOf(w, engine) };
  });
  return {
    suite: suite.name ?? 'suite',
    target: suite.target.mock !== undefined ? 'the built-in mock exchange (started on 127.0.0.1)' : suite.target.url!,
    dialect: dialectName,
    dialectLimits: { doc: dialect.limits.doc, rest: dialect.limits.rest },
    maxRatePerSec: suite.target.maxRatePerSec,
    healthProbes: `GET ${suite.target.healthPath} every ${fmt(suite.target.healthIntervalSec)} s`,
    workloads,
    live,
  };
}

/** The plan as text for the terminal. */
export function renderDryRun(p: DryRunPlan): string {
  const out: string[] = [];
  out.push(`Dry run of ${p.suite}: nothing is sent.`);
  out.push(`Target: ${p.target}, dialect ${p.dialect}`);
  out.push(`  published limits (${p.dialectLimits.doc}):`);
  for (const r of p.dialectLimits.rest) out.push(`    - ${r}`);
  out.push(`  client-side cap: ${p.maxRatePerSec === undefined ? 'none (target.maxRatePerSec not set)' : `target.maxRatePerSec ${fmt(p.maxRatePerSec, 3)} req/s, shared by the HTTP workloads running at the same time`}`);
  out.push(`  health probes: ${p.healthProbes} (outside the cap)`);
  let orders = 0;
  let ordersKnown = true;
  for (const w of p.workloads) {
    out.push('');
    out.push(`Workload ${w.name}: engine ${w.engine}${w.k6Scenario ? ` (k6 scenario ${w.k6Scenario})` : ''}${w.driver ? ` (driver ${w.driver}: the SDK picks its own requests; the paths are the dialect's)` : ''}, ${w.startAfterSec > 0 ? `starts at ${fmt(w.startAfterSec)} s, ` : ''}${fmt(w.durationSec)} s`);
    out.push(`  load: ${w.load}`);
    if (w.model === 'stream') out.push('  requests: none (WebSocket subscriptions only)');
    else if (w.requests !== undefined) out.push(`  requests expected: ${fmt(Math.round(w.requests))}`);
    else if (w.requestsAtMost !== undefined) out.push(`  requests: at most ${fmt(w.requestsAtMost)} (closed: as many as the target answers, within the cap)`);
    else out.push('  requests: not bounded by a rate (closed model: as many as the target answers in that time)');
    if (w.warmUp) out.push(`  warm-up: ${fmt(w.warmUp.requests)} health requests over ${fmt(w.warmUp.connections)} connections before the clock starts (not measured)`);
    for (const op of w.operations) {
      const wire = op.method === undefined ? (w.driver ? '(SDK method)' : `(no ${op.op} in dialect ${p.dialect})`) : `${op.method} ${op.path}`;
      const n = op.requests !== undefined ? `~${fmt(Math.round(op.requests))}` : `${fmt(op.share * 100)}%`;
      out.push(`    ${op.op.padEnd(15)} ${wire.padEnd(34)} ${n.padStart(8)}${op.signed ? '  signed' : ''}${op.rateLimit ? `  [${op.rateLimit}]` : ''}`);
    }
    if (w.orders) {
      const o = w.orders;
      const count = o.expected !== undefined ? `~${fmt(Math.round(o.expected))} created during the run` : o.atMost !== undefined ? `at most ${fmt(Math.round(o.atMost))} created during the run` : 'as many as the target answers during the run (closed model: not bounded by a rate)';
      if (o.expected !== undefined) orders += o.expected;
      else ordersKnown = false;
      out.push(`  orders: ${count}${o.setupPool > 0 ? `, plus up to ${fmt(o.setupPool)} created at set-up for cancelOrder to cancel` : ''}`);
      const n = o.expected ?? o.atMost;
      const notional = n !== undefined ? `; total ~${fmt(Math.round((n * (o.notionalMin + o.notionalMax)) / 2))} ${o.quote} (${fmt(Math.round(n * o.notionalMin))}–${fmt(Math.round(n * o.notionalMax))})` : '';
      out.push(`    each ${fmt(o.notionalMin)}–${fmt(o.notionalMax)} ${o.quote} notional (before snapping to the market's step size)${notional}`);
      out.push(`    price: ${o.price}`);
    }
  }
  out.push('');
  const l = p.live;
  if (l.orderWorkloads.length === 0) out.push('Live orders: none (no workload creates or cancels orders).');
  else if (l.loopback) out.push(`Live orders: none, the target is loopback (${l.orderWorkloads.length} workload${l.orderWorkloads.length > 1 ? 's' : ''} place${l.orderWorkloads.length > 1 ? '' : 's'} orders on this machine${ordersKnown ? `, ~${fmt(Math.round(orders))} during the run` : ''}).`);
  else if (l.refusal) out.push(`Live orders: a real run would be REFUSED (exit 2): ${l.refusal.message.replace(/; nothing was sent$/, '')}.\n  ${l.refusal.hint}`);
  else out.push(`Live orders: WOULD BE SENT to ${l.host} (target.allowLiveOrders: true and --live).`);
  return `${out.join('\n')}\n`;
}

/** The README's table of each dialect's published limits and their source (test/unit/plan-print.test.ts keeps it current). */
export function dialectLimitsTable(): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  const rows = DIALECT_NAMES.map((n) => {
    const l = getDialect(n).limits;
    return `| \`${n}\` | ${cell(l.rest.join('; '))} | ${cell(l.streams.join('; '))} | ${cell(l.doc)} |`;
  });
  return ['| dialect | REST | streams | source |', '|---|---|---|---|', ...rows].join('\n');
}
