/**
 * The sdk engine (issue 11): times the client library users ship (ccxt, or their own SDK) instead of raw HTTP.
 * A workload names `driver: { sdk: ccxt, exchange: binance }` or `driver: { module: ./drivers/my-sdk.ts }`; the
 * contract is in ./sdk/contract.ts, the load models in ./sdk/loops.ts.
 *
 * Set-up, before the clock starts and outside every measured window: the driver is created, `loadMarkets()` runs
 * (timed, and said in the notes), reference prices are read through the SDK's own `fetchTicker` when the mix
 * places orders, and a pool of resting orders is created when it cancels them. After the run, the orders it left
 * resting are cancelled through the SDK (bounded) and `close()` is called.
 *
 * Generator health applies as for the open engine: an SDK that burns CPU saturates the core sooner, and the run
 * says so (event-loop lag, stalls, schedule slip) instead of reporting its own stalls as target latency.
 */
import { InputError, RunError } from '../errors.js';
import { getDialect } from '../dialect/registry.js';
import { PHASE_HEADER } from '../workload/plan.js';
import type { EndpointResult } from '../result/model.js';
import { assessGenerator, ProcessUsageMonitor, ThreadHealthProbe } from './generator-health.js';
import { describeArrivals } from './open/runner.js';
import { describeCleanup, SETUP_ORDER_POOL, type OrderCleanup } from './exchange-requests.js';
import type { Engine, EngineContext, EngineOutput, PrepareContext } from './types.js';
import { CallPlanner } from './sdk/calls.js';
import type { DriverContext } from './sdk/contract.js';
import { loadDriver, type LoadedDriver } from './sdk/load-driver.js';
import { runClosedLoop, runOpenLoop, type LoopOptions } from './sdk/loops.js';
import { classifyCallError } from './sdk/classify.js';
import type { CcxtImporter } from './sdk/ccxt.js';

export const SDK_ENGINE_VERSION = '1.0.0';

export interface SdkEngineOptions {
  /** Resting orders created in set-up for cancelOrder. Default 100. */
  orderPool?: number;
  /** Injected in tests (a missing ccxt). */
  importCcxt?: CcxtImporter;
}

interface PreparedSdk {
  driver: LoadedDriver;
  planner: CallPlanner;
  notes: string[];
}

export function createSdkEngine(opts: SdkEngineOptions = {}): Engine {
  return {
    name: 'sdk',
    prepare: (ctx) => prepareSdk(ctx, opts),
    run: async (ctx, prepared) => runSdk(ctx, (prepared as PreparedSdk | undefined) ?? (await prepareSdk(ctx, opts))),
  };
}

export const sdkEngine: Engine = createSdkEngine();

function whereOf(ctx: PrepareContext): string {
  const i = ctx.suite.workloads.indexOf(ctx.workload);
  return `workloads[${i === -1 ? ctx.workload.name : i}].driver`;
}

/** Runs `fn` over `items`, `width` at a time, while `alive()`. */
async function eachLimited<T>(items: T[], width: number, alive: () => boolean, fn: (x: T) => Promise<void>): Promise<number> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length && alive()) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
  return next;
}

const within = <T>(p: Promise<T>, ms: number, what: string): Promise<T> => {
  let t: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, rej) => (t = setTimeout(() => rej(Object.assign(new Error(`${what}: no answer within ${ms} ms`), { name: 'TimeoutError' })), ms)));
  return Promise.race([p, timeout]).finally(() => clearTimeout(t));
};

async function prepareSdk(ctx: PrepareContext, opts: SdkEngineOptions): Promise<PreparedSdk> {
  const spec = ctx.workload.driver;
  const where = whereOf(ctx);
  if (spec === undefined) throw new InputError('LG_DRIVER_NONE', `${where}: the sdk engine needs a driver`);
  const t = ctx.target;
  const dctx: DriverContext = { baseUrl: t.baseUrl, wsUrl: t.wsUrl, dialect: t.dialect, credentials: t.credentials, timeoutMs: t.timeoutMs, options: spec.options, exchange: spec.exchange };
  const driver = await loadDriver(spec, dctx, where, opts.importCcxt);
  const planner = new CallPlanner(ctx.workload, ctx.seed, getDialect(t.dialect));
  const missing = planner.missingMethods(driver.client);
  if (missing.length > 0) {
    await driver.client.close?.();
    throw new InputError('LG_DRIVER_METHOD', `${where}: the driver (${driver.version}) has no method ${missing.join(', ')}, which workload ${ctx.workload.name} calls`, { hint: 'drop it from the mix, or add it to the driver' });
  }
  const notes = [...driver.notes];
  const failed = (what: string, e: unknown): RunError => {
    const c = classifyCallError(e, driver.classifyError);
    return new RunError('LG_SDK_SETUP', `workload ${ctx.workload.name}: set-up ${what} failed (${c.errorClass}${c.errorCode ? ` ${c.errorCode}` : ''}): ${(e as Error)?.message ?? String(e)}`, { cause: e });
  };
  if (typeof driver.client.loadMarkets === 'function') {
    const t0 = ctx.now();
    let markets: unknown;
    try {
      markets = await within(driver.client.loadMarkets(), t.timeoutMs * 3, 'loadMarkets');
    } catch (e) {
      throw failed('loadMarkets()', e);
    }
    const n = markets !== null && typeof markets === 'object' ? Object.keys(markets).length : undefined;
    notes.push(`${ctx.workload.name}: markets loaded in set-up (loadMarkets${n !== undefined ? `: ${n} markets` : ''}, ${Math.round(ctx.now() - t0)} ms), not in the measured window`);
  }
  if (planner.placesOrders) {
    for (const symbol of planner.symbols) {
      let last: unknown;
      try {
        last = ((await within(driver.client.fetchTicker!(symbol), t.timeoutMs, 'fetchTicker')) as { last?: unknown } | undefined)?.last;
      } catch (e) {
        throw failed(`fetchTicker(${symbol}) for the reference price`, e);
      }
      const price = typeof last === 'number' ? last : typeof last === 'string' ? Number(last) : Number.NaN;
      if (!(Number.isFinite(price) && price > 0)) {
        throw new RunError('LG_NO_REFERENCE_PRICE', `workload ${ctx.workload.name}: no reference price for ${symbol} (the SDK's fetchTicker gave last = ${JSON.stringify(last)}), so no order was placed`, {
          hint: 'orders are priced from the unified ticker\'s `last`; drop createOrder/cancelOrder from the mix if the SDK has none',
        });
      }
      planner.referencePrices.set(symbol, price);
    }
  }
  if (planner.needsOrders) {
    const pool = opts.orderPool ?? SETUP_ORDER_POOL.sdk;
    const calls = Array.from({ length: pool }, () => planner.build('createOrder'));
    await eachLimited(calls, 8, () => !ctx.signal.aborted, async (call) => {
      try {
        const v = await within(driver.client.createOrder!(...(call.args as Parameters<NonNullable<typeof driver.client.createOrder>>)), t.timeoutMs, 'createOrder');
        planner.noteResult(call, true, v);
      } catch {
        // Counted below: the pool is smaller.
      }
    });
    if (ctx.signal.aborted) {
      await cancelResting(driver, planner, t.timeoutMs, 3_000);
      await driver.client.close?.();
      return { driver, planner, notes };
    }
    if (planner.openOrders < pool) notes.push(`${ctx.workload.name}: set-up created ${planner.openOrders} of ${pool} orders for cancelOrder to cancel`);
  }
  return { driver, planner, notes };
}

/** Cancels the orders the run left resting, through the SDK: 8 at a time, at most 10 000, within `budgetMs`. Not measured. */
async function cancelResting(driver: LoadedDriver, planner: CallPlanner, timeoutMs: number, budgetMs: number): Promise<OrderCleanup> {
  const orders = planner.takeRestingOrders();
  const out: OrderCleanup = { resting: orders.length, cancelled: 0, gone: 0, leftIds: [] };
  if (orders.length === 0 || typeof driver.client.cancelOrder !== 'function') return { ...out, leftIds: orders.map((o) => o.id).slice(0, 1000) };
  driver.client.phase?.('cleanup', { [PHASE_HEADER]: 'cleanup' });
  const deadline = Date.now() + budgetMs;
  const todo = orders.slice(0, 10_000);
  const tried = await eachLimited(todo, 8, () => Date.now() < deadline, async (o) => {
    try {
      await within(driver.client.cancelOrder!(o.id, o.symbol), Math.min(timeoutMs, 5_000), 'cancelOrder');
      out.cancelled++;
    } catch (e) {
      if (classifyCallError(e, driver.classifyError).errorCode === 'orderNotFound') out.gone++;
      else out.leftIds.push(o.id);
    }
  });
  out.leftIds = out.leftIds.concat(orders.slice(tried).map((o) => o.id)).slice(0, 1000);
  return out;
}

async function runSdk(ctx: EngineContext, prep: PreparedSdk): Promise<EngineOutput> {
  const w = ctx.workload;
  const { driver, planner } = prep;
  const probe = new ThreadHealthProbe();
  const usage = new ProcessUsageMonitor({ targetPid: ctx.target.pid, now: ctx.now });
  const startAtMs = Math.max(ctx.now(), ctx.originMs + w.startAfterSec * 1000);
  const totalSec = w.load.model === 'open' ? (w.load.durationSec ?? (w.load.stages ?? []).reduce((a, s) => a + s.durationSec, 0)) : w.load.durationSec;
  const lo: LoopOptions = {
    workloadName: w.name,
    client: driver.client,
    classifyError: driver.classifyError,
    planner,
    timeoutMs: ctx.target.timeoutMs,
    seed: ctx.seed,
    originMs: ctx.originMs,
    now: ctx.now,
    signal: ctx.signal,
    probe,
    onProgress: (p) => ctx.progress({ workload: w.name, elapsedSec: p.elapsedSec, totalSec, requests: p.requests, errors: p.errors, ...(p.p99Ms !== undefined ? { p99Ms: p.p99Ms } : {}) }),
  };
  usage.start();
  probe.start();
  const res = w.load.model === 'open' ? await runOpenLoop(lo, w.load, startAtMs) : w.load.model === 'closed' ? await runClosedLoop(lo, w.load.connections, w.load.durationSec, startAtMs) : undefined;
  if (res === undefined) throw new InputError('LG_DRIVER_LOAD_MODEL', `workload ${w.name}: a driver runs open or closed load`);
  const thread = probe.stop();
  const usageEnd = usage.stop();
  const cleanup = await cancelResting(driver, planner, ctx.target.timeoutMs, res.aborted ? 3_000 : 10_000);
  try {
    await driver.client.close?.();
  } catch {
    // Closing is best effort: the measurements are in.
  }

  const endpoints: Record<string, EndpointResult> = {};
  let calls = 0;
  for (const [m, rec] of res.recorders) {
    endpoints[m] = rec.toResult();
    calls += rec.count;
  }
  const c = res.counts;
  const { health, notes: healthNotes } = assessGenerator({
    threads: [thread],
    process: usageEnd.process,
    target: usageEnd.target,
    threadCount: 1,
    lateToleranceMs: w.load.model === 'open' ? w.load.lateToleranceMs : undefined,
    arrivals: c ? { scheduled: c.scheduled, lateByGenerator: c.lateByGenerator, droppedByGenerator: 0 } : undefined,
  });
  const notes = [...prep.notes];
  notes.push(`${w.name}: each call is timed around the SDK method (${driver.version}): signing, parsing and what the SDK adds are in the latency; with the built-in mock, its own server time per method is shown beside it`);
  if (calls > 0) {
    const cpuUsPerCall = Math.round(((usageEnd.process.cpuPct / 100) * usageEnd.process.elapsedMs * 1000) / calls);
    notes.push(`${w.name}: ${cpuUsPerCall} µs of generator CPU per call (process CPU ÷ ${calls} calls${usageEnd.target?.sameProcess ? ', including the in-process target' : ''})`);
  }
  if (c && w.load.model === 'open') notes.push(...describeArrivals(w.name, c, w.load, ctx.target.timeoutMs));
  if (res.hung > 0) notes.push(`${w.name}: ${res.hung} calls had no outcome within timeoutMs ${ctx.target.timeoutMs} (counted as timeouts, callTimeout / drainDeadline)`);
  notes.push(...describeCleanup(w.name, cleanup), ...usage.notes, ...healthNotes);
  const out: EngineOutput = { engine: { name: 'sdk', version: `${SDK_ENGINE_VERSION} (${driver.version})` }, endpoints, generator: health, notes };
  if (res.aborted) out.incomplete = { reason: w.load.model === 'open' ? 'aborted before the schedule finished' : 'stopped before the planned duration' };
  return out;
}
