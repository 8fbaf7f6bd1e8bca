/**
 * Runs a suite: starts the target (the built-in mock, or checks a real one is reachable), probes its health,
 * runs every workload on its engine (concurrently, each after its `startAfterSec`), and assembles one
 * RunResult. A workload whose engine crashes mid-run loses nothing the others measured: the run is marked
 * incomplete and keeps every endpoint that has data.
 */
import { hostname, cpus, platform, arch } from 'node:os';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_MOCK_CREDENTIALS, resolveFaultSeed, type MockExchangeConfig } from './suite/mock-options.js';
import { startMockProcess, type MockProcess } from './mock-process.js';
import { InputError, RunError, isLoadgateError } from './errors.js';
import { RESULT_SCHEMA_VERSION, type EndpointResult, type RunResult, type GeneratorHealth, type CustomMetric, type LatencySummary } from './result/model.js';
import { mergeEndpoint } from './result/merge.js';
import { EndpointRecorder } from './result/recorder.js';
import { engineOf, loadSeconds, targetDialect, type Suite, type Workload } from './suite/schema.js';
import { getEngine } from './engines/registry.js';
import { assertLiveOrdersAllowed, effectiveEngine } from './safety.js';
import { planRateCap } from './rate-cap.js';
import { setLongTimeout, sleepLong } from './engines/timers.js';
import type { Credentials, EngineOutput, Progress, ResolvedTarget } from './engines/types.js';
import { classifyResponse, classifyTransportError, nextCorrelationId } from './engines/exchange-requests.js';

export interface RunOptions {
  suite: Suite;
  /** Force every HTTP workload onto this engine (e.g. `k6`). */
  engine?: string;
  /** `--live`: with `target.allowLiveOrders: true`, lets order workloads run against a non-loopback target (src/safety.ts). */
  live?: boolean;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  progress?: (p: Progress) => void;
  seed?: number;
  gitCommit?: string;
  label?: string;
  /** Injected clocks (tests). */
  now?: () => number;
  wallClock?: () => number;
}

export interface TargetHandle {
  target: ResolvedTarget;
  mock: MockProcess | undefined;
  /** Built-in mock: the seed of its fault draws when the suite set one (a `per-run` one as drawn). */
  faultSeed?: number;
  close(): Promise<void>;
}

/** Start the mock or resolve a real target (credentials from the env vars the suite names). */
export async function openTarget(suite: Suite, env: NodeJS.ProcessEnv = process.env): Promise<TargetHandle> {
  const t = suite.target;
  let credentials: Credentials | undefined;
  if (t.auth) {
    const apiKey = env[t.auth.apiKeyEnv];
    const apiSecret = env[t.auth.apiSecretEnv];
    const passphrase = t.auth.passphraseEnv === undefined ? undefined : env[t.auth.passphraseEnv];
    const missing = [!apiKey && t.auth.apiKeyEnv, !apiSecret && t.auth.apiSecretEnv, t.auth.passphraseEnv !== undefined && !passphrase && t.auth.passphraseEnv].filter(Boolean);
    if (missing.length) {
      throw new InputError('LG_CREDENTIALS_MISSING', `target.auth: environment variable${missing.length > 1 ? 's' : ''} ${missing.join(', ')} not set`, {
        hint: `export ${missing.map((m) => `${m}=…`).join(' ')} before running; the suite names the variables, never the secrets`,
      });
    }
    credentials = { apiKey: apiKey!, apiSecret: apiSecret!, ...(passphrase ? { passphrase } : {}) };
  }
  const dialect = targetDialect(t);
  const endpoints = t.endpoints === undefined ? {} : { endpoints: t.endpoints };
  if (t.mock !== undefined) {
    const given: Partial<MockExchangeConfig> = t.mock === true ? {} : t.mock;
    const faultSeed = resolveFaultSeed(given.faultSeed);
    const mockOpts = withStreamRates({ ...given, dialect, ...(faultSeed === undefined ? {} : { faultSeed }) }, suite);
    const mock = await startMockProcess(mockOpts).catch((e: unknown) => {
      throw new RunError('LG_MOCK_START', `could not start the built-in mock exchange: ${(e as Error).message}`, { cause: e });
    });
    const first = (mockOpts as { credentials?: Credentials[] }).credentials?.[0];
    return {
      target: { baseUrl: mock.url, wsUrl: t.wsUrl ?? mock.wsUrl, credentials: credentials ?? first ?? { ...DEFAULT_MOCK_CREDENTIALS }, dialect, ...endpoints, timeoutMs: t.timeoutMs, mock: true, pid: mock.pid },
      mock,
      ...(faultSeed === undefined ? {} : { faultSeed }),
      close: () => mock.close(),
    };
  }
  const baseUrl = t.url!.replace(/\/+$/, '');
  const u = new URL(baseUrl);
  const wsUrl = t.wsUrl ?? `${u.protocol === 'https:' ? 'wss' : 'ws'}://${u.host}/ws`;
  return { target: { baseUrl, wsUrl, credentials, dialect, ...endpoints, timeoutMs: t.timeoutMs, mock: false }, mock: undefined, close: async () => {} };
}

/** A stream workload's `ratePerSec` per channel tells the mock how fast to publish (unless the mock options say). */
function withStreamRates<T extends { ws?: { ratePerSec?: Record<string, number | undefined> } }>(mockOpts: T, suite: Suite): T {
  const rates: Record<string, number> = {};
  for (const w of suite.workloads) for (const s of w.streams ?? []) if (s.ratePerSec !== undefined) rates[s.channel] = s.ratePerSec;
  if (Object.keys(rates).length === 0) return mockOpts;
  return { ...mockOpts, ws: { ...mockOpts.ws, ratePerSec: { ...rates, ...(mockOpts.ws?.ratePerSec ?? {}) } } };
}

/**
 * Exit 3 early, with a clear message, when nothing answers at the target. The probe is recorded (as the
 * `health` endpoint), so the result written for an unreachable or too slow target keeps what was measured.
 */
export async function checkReachable(target: ResolvedTarget, healthPath: string, rec?: EndpointRecorder, now: () => number = () => performance.now(), originMs = now()): Promise<void> {
  const url = target.baseUrl + healthPath;
  const timeoutMs = Math.min(target.timeoutMs, 5000);
  const correlationId = nextCorrelationId();
  const t0 = now();
  try {
    const res = await fetch(url, { headers: { 'x-correlation-id': correlationId }, signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer();
    rec?.recordResponse({ atMs: now() - originMs, latencyUs: (now() - t0) * 1000, status: res.status, correlationId, errorClass: classifyResponse(res.status, undefined) });
  } catch (e) {
    const { errorClass, errorCode } = classifyTransportError((e as { cause?: unknown }).cause ?? e);
    rec?.recordError({ atMs: now() - originMs, errorClass, errorCode, correlationId, ...(errorClass === 'timeout' ? { latencyUs: (now() - t0) * 1000 } : {}) });
    const name = (e as Error)?.name;
    if (name === 'TimeoutError' || errorClass === 'timeout') {
      throw new RunError('LG_TARGET_SLOW', `target too slow: ${url} did not answer within ${timeoutMs} ms (target.timeoutMs ${target.timeoutMs})`, {
        hint: 'the target is listening but slower than the request timeout; raise target.timeoutMs, or check the service',
        cause: e,
      });
    }
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    // A bare TypeError says nothing: name what fetch refused (e.g. an invalid URL), not just its class.
    const code = cause?.code ?? (name === 'TypeError' ? `${(e as Error).message}${cause?.message ? `: ${cause.message}` : ''}` : name);
    throw new RunError('LG_TARGET_UNREACHABLE', `target unreachable: nothing answered at ${url} (${code})`, {
      hint: 'check that the service is running and the URL in target.url is right; use `target: { mock: true }` to run against the built-in mock',
      cause: e,
    });
  }
}

/** Probes the health path every `intervalSec` while the run lasts: availability = share of successful probes. */
function startHealthProbes(target: ResolvedTarget, path: string, intervalSec: number, originMs: number, now: () => number) {
  const rec = new EndpointRecorder('health', 'probe', '(health probes)');
  let stopped = false;
  const inflight = new Set<Promise<void>>();
  const probe = async () => {
    const correlationId = nextCorrelationId();
    const t0 = now();
    try {
      const res = await fetch(target.baseUrl + path, { headers: { 'x-correlation-id': correlationId }, signal: AbortSignal.timeout(Math.min(target.timeoutMs, intervalSec * 1000 * 5)) });
      await res.arrayBuffer();
      const errorClass = classifyResponse(res.status, undefined);
      rec.recordResponse({ atMs: now() - originMs, latencyUs: (now() - t0) * 1000, status: res.status, correlationId, errorClass });
    } catch (e) {
      const { errorClass, errorCode } = classifyTransportError((e as { cause?: unknown }).cause ?? e);
      rec.recordError({ atMs: now() - originMs, errorClass, errorCode, correlationId });
    }
  };
  const timer = setInterval(() => {
    if (stopped) return;
    const p = probe().finally(() => inflight.delete(p));
    inflight.add(p);
  }, intervalSec * 1000);
  return {
    async stop(): Promise<EndpointResult> {
      stopped = true;
      clearInterval(timer);
      await Promise.allSettled([...inflight]);
      return rec.toResult();
    },
  };
}

/** Planned wall time of the whole suite, seconds. */
export function plannedDurationSec(suite: Suite): number {
  return Math.max(...suite.workloads.map((w) => w.startAfterSec + loadSeconds(w.load)));
}

export async function runSuite(opts: RunOptions): Promise<RunResult> {
  const env = opts.env ?? process.env;
  const now = opts.now ?? (() => performance.now());
  const wallClock = opts.wallClock ?? Date.now;
  const signal = opts.signal ?? new AbortController().signal;
  const progress = opts.progress ?? (() => {});
  const seed = opts.seed ?? 1;
  // Before anything is started or resolved: orders never reach a real exchange by accident.
  assertLiveOrdersAllowed(opts.suite, { live: opts.live, engine: opts.engine, k6Scenario: env.LOADGATE_K6_SCENARIO });
  // target.maxRatePerSec: open workloads' rates clamped in the suite that runs; closed ones get a limit.
  const rateCap = planRateCap(opts.suite, { engine: opts.engine, k6Scenario: env.LOADGATE_K6_SCENARIO });
  const { suite } = rateCap;
  const rateCapOf = (w: Workload) => {
    const c = rateCap.caps.find((x) => x.workload === w.name)?.rateCapPerSec;
    return c === undefined ? {} : { rateCapPerSec: c };
  };

  // Resolve engines before starting anything, so a typo or a missing engine fails fast.
  const plans = await Promise.all(
    suite.workloads.map(async (w) => {
      const name = effectiveEngine(w, opts.engine);
      try {
        return { w, engine: await getEngine(name) };
      } catch (e) {
        if (isLoadgateError(e)) throw e;
        throw new InputError('LG_ENGINE_UNKNOWN', `engine "${name}" is not available`, { hint: 'engines: autocannon or closed (closed model), open (rate-driven), ws (streams), k6, sdk', cause: e });
      }
    }),
  );

  const handle = await openTarget(suite, env);
  const runInfo = (startedAt: number, endedAt: number): RunResult => ({
    schemaVersion: RESULT_SCHEMA_VERSION,
    kind: 'loadgate.result',
    meta: {
      suite: suite.name ?? 'suite',
      ...(suite.phase ? { phase: suite.phase } : {}),
      ...(opts.label ? { label: opts.label } : {}),
      ...(opts.gitCommit ? { gitCommit: opts.gitCommit } : {}),
      ...(suite.sla ? { sla: suite.sla as Record<string, unknown> } : {}),
      engines: [],
      startedAt: new Date(startedAt).toISOString(),
      endedAt: new Date(endedAt).toISOString(),
      durationSec: (endedAt - startedAt) / 1000,
      warmupSec: suite.warmupSec,
      host: { hostname: hostname(), platform: platform(), arch: arch(), cpus: cpus().length, node: process.version },
      target: { url: handle.target.baseUrl, mock: handle.target.mock, ...(handle.faultSeed === undefined ? {} : { faultSeed: handle.faultSeed }) },
      notes: [],
    },
    endpoints: {},
  });
  try {
    // An unreachable or too slow target, or a stop during set-up: no load was sent, but the result (with the
    // failed probe) is still returned, marked incomplete, so the reports are written and the run exits 3.
    const preflight = new EndpointRecorder('health', 'probe', '(health probes)');
    const preflightStart = wallClock();
    const stoppedEarly = (reason: string): RunResult => {
      const r = runInfo(preflightStart, wallClock());
      const health = preflight.toResult();
      if (health.requests > 0) r.endpoints.health = health;
      r.meta.incomplete = { reason };
      return r;
    };
    try {
      await checkReachable(handle.target, suite.target.healthPath, preflight, now);
    } catch (e) {
      if (isLoadgateError(e) && (e.code === 'LG_TARGET_UNREACHABLE' || e.code === 'LG_TARGET_SLOW')) {
        const r = stoppedEarly(e.message);
        if (e.hint) r.meta.notes.push(e.hint);
        return r;
      }
      throw e;
    }
    if (signal.aborted) return stoppedEarly('stopped by the user before the load started');
    // Set-up (market filters, orders to cancel) happens before the clock starts.
    // If one workload's set-up fails, the others' are told to stop (and clean up what they prepared).
    const setupFailed = new AbortController();
    const setupSignal = AbortSignal.any([signal, setupFailed.signal]);
    const settled = await Promise.allSettled(
      plans.map(({ w, engine }, i) => engine.prepare?.({ suite, workload: w, target: handle.target, now, signal: setupSignal, seed: seedFor(seed, i), ...rateCapOf(w) })),
    );
    const failedSetup = settled.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failedSetup && signal.aborted) {
      setupFailed.abort();
      return stoppedEarly('stopped by the user during set-up, before the load started');
    }
    if (failedSetup) {
      setupFailed.abort();
      const e = failedSetup.reason as unknown;
      if (isLoadgateError(e)) throw e;
      throw new RunError('LG_ENGINE_SETUP', `set-up failed: ${(e as Error)?.message ?? String(e)}`, { hint: 'run again with LOADGATE_DEBUG=1 for the stack trace', cause: e });
    }
    const prepared = settled.map((o) => (o as PromiseFulfilledResult<unknown>).value);
    const originMs = now();
    const startedAt = wallClock();
    // The mock's own time counts from here (not the set-up) and again from the end of the warm-up.
    const mock = handle.mock;
    mock?.resetStats();
    const warmupReset = mock !== undefined && suite.warmupSec > 0 ? setLongTimeout(() => mock.resetStats(), suite.warmupSec * 1000) : undefined;
    const probes = startHealthProbes(handle.target, suite.target.healthPath, suite.target.healthIntervalSec, originMs, now);
    // The measured window closes where the planned load ends (or where it was stopped), in whole seconds:
    // the drain, teardown and shutdown after it stall the last second and stay out of every check (issue #13).
    let stoppedAtMs: number | undefined;
    const onStop = () => (stoppedAtMs ??= now());
    signal.addEventListener('abort', onStop, { once: true });
    if (signal.aborted) onStop();
    const outcomes = await Promise.allSettled(
      plans.map(async ({ w, engine }, i) => {
        if (w.startAfterSec > 0) await sleepLong(w.startAfterSec * 1000, signal);
        if (signal.aborted) return undefined;
        return engine.run({ suite, workload: w, target: handle.target, originMs, now, signal, progress, seed: seedFor(seed, i), ...rateCapOf(w) }, prepared[i]);
      }),
    );
    signal.removeEventListener('abort', onStop);
    // Engines that end early on their own (a crash: incomplete anyway) keep what they recorded up to the run's end.
    const measuredEndSec = Math.max(0, Math.floor(stoppedAtMs === undefined ? plannedDurationSec(suite) : Math.min(plannedDurationSec(suite), (stoppedAtMs - originMs) / 1000)));
    const health = await probes.stop();
    const endedAt = wallClock();
    warmupReset?.clear();
    const serverTimeMs = mock === undefined ? undefined : await mockServerTime(mock);

    const outputs: EngineOutput[] = [];
    const failures: string[] = [];
    outcomes.forEach((o, i) => {
      const w = plans[i]!.w;
      if (o.status === 'fulfilled') {
        if (o.value) outputs.push(o.value);
      } else {
        const err = o.reason as unknown;
        if (isLoadgateError(err) && outcomes.length === 1) throw err;
        failures.push(`workload ${w.name} (${plans[i]!.engine.name}) failed: ${(err as Error)?.message ?? String(err)}`);
      }
    });
    if (outputs.length === 0 && failures.length > 0) {
      throw new RunError('LG_ENGINE_FAILED', failures.join('; '), { hint: 'run again with LOADGATE_DEBUG=1 for the stack trace', cause: outcomes.find((o) => o.status === 'rejected') });
    }

    const endpoints: Record<string, EndpointResult> = {};
    const custom: Record<string, CustomMetric> = {};
    let generator: GeneratorHealth | undefined;
    for (const out of outputs) {
      for (const [name, ep] of Object.entries(out.endpoints)) endpoints[name] = endpoints[name] ? mergeEndpoint(endpoints[name], ep) : ep;
      Object.assign(custom, out.custom ?? {});
      if (out.generator) {
        generator = generator
          ? { ...generator, ...out.generator, saturated: generator.saturated || out.generator.saturated, reasons: [...generator.reasons, ...out.generator.reasons] }
          : out.generator;
      }
    }
    if (health.requests > 0) endpoints.health = health;

    const incompleteReasons = [...failures, ...outputs.flatMap((o) => (o.incomplete ? [o.incomplete.reason] : []))];
    if (mock?.exited !== undefined) incompleteReasons.push(`the built-in mock exchange ${mock.exited} during the run`);
    if (signal.aborted) {
      // Engines say "stopped/aborted before …" on their own; the run says once why (which signal, or the parent gone).
      const own = incompleteReasons.filter((r) => !/^(?:stopped|aborted) before the (?:planned duration|schedule finished)$/.test(r));
      incompleteReasons.splice(0, incompleteReasons.length, stopReason(signal), ...own);
    }
    // The same meta as a stopped-early result (runInfo), plus what only a completed run knows.
    const result = runInfo(startedAt, endedAt);
    Object.assign(result.meta, { engines: dedupeEngines(outputs.map((o) => o.engine)), measuredEndSec, notes: [...new Set([...rateCap.notes, ...outputs.flatMap((o) => o.notes ?? [])])] });
    if (serverTimeMs) result.meta.target.serverTimeMs = pick(serverTimeMs, Object.keys(endpoints));
    result.endpoints = endpoints;
    if (incompleteReasons.length) result.meta.incomplete = { reason: incompleteReasons.join('; ') };
    if (Object.keys(custom).length) result.custom = custom;
    if (generator) result.generator = generator;
    return result;
  } finally {
    await handle.close();
  }
}

/** Why the run was stopped: the signal's reason when it is a message (the CLI says which signal), else a stop by the user. */
function stopReason(signal: AbortSignal): string {
  const r = signal.reason as unknown;
  return typeof r === 'string' ? r : 'stopped by the user before the planned duration';
}

/** The mock's own time per route, or undefined when it cannot tell (it died with the run, or does not answer). */
async function mockServerTime(mock: MockProcess): Promise<Record<string, LatencySummary> | undefined> {
  const stats = await Promise.race([mock.stats(), sleep(2000, undefined, { ref: false })]).catch(() => undefined);
  if (stats === undefined) return undefined;
  const source = 'built-in mock, server-side: request arrival to response sent, after the warm-up';
  return Object.fromEntries(Object.entries(stats.serverTimeMs).map(([route, s]) => [route, { source, ...s }]));
}

function pick<T>(record: Record<string, T>, keys: string[]): Record<string, T> {
  return Object.fromEntries(keys.filter((k) => record[k] !== undefined).map((k) => [k, record[k]!]));
}

/** Each workload gets its own deterministic seed. */
function seedFor(seed: number, workloadIndex: number): number {
  return seed + workloadIndex * 7919;
}

function dedupeEngines(xs: Array<{ name: string; version: string }>) {
  return [...new Map(xs.map((x) => [`${x.name}@${x.version}`, x])).values()];
}
