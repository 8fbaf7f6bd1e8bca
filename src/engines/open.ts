/**
 * The open-model engine (issue #6): rate-driven load (constant or ramping arrival rate, constant or Poisson
 * spacing) that measures each request from its intended send time, so a stalling target cannot hide behind
 * a slowed-down generator (coordinated omission). Reports corrected (`latency`) and uncorrected
 * (`latencyUncorrected`) latency, arrival accounting (`arrivals`: scheduled/sent/late/dropped), and whether
 * the generator itself was the bottleneck (`generator`).
 *
 * `workers: 1` runs in this thread; more spread the schedule over worker threads (arrival n goes to worker
 * n % workers) whose histograms merge exactly. Closed workloads run on the closed engine (./closed.ts), on the same HTTP client.
 */
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { RunError } from '../errors.js';
import { mergeEndpoint } from '../result/merge.js';
import type { EndpointResult } from '../result/model.js';
import { assessGenerator, ProcessUsageMonitor, ThreadHealthProbe, type ThreadHealthSample } from './generator-health.js';
import { addCounts, describeArrivals, openLoadOf, prepareRunner, releaseOnAbort, type ArrivalCounts, type RunnerOptions, type RunnerResult } from './open/runner.js';
import { DEFAULT_TRANSPORT, type TransportName } from './open/transport.js';
import type { WorkerInput, WorkerMessage } from './open/worker-protocol.js';
import type { Engine, EngineContext, EngineOutput, PrepareContext } from './types.js';
import { addCleanup, describeCleanup, EMPTY_CLEANUP } from './exchange-requests.js';

export const OPEN_ENGINE_VERSION = '1.0.0';

export interface OpenEngineOptions {
  /** HTTP client. Default `DEFAULT_TRANSPORT` (the one that kept the schedule best in bench/open-model.ts). */
  transport?: TransportName;
}

export function createOpenEngine(opts: OpenEngineOptions = {}): Engine {
  const transport = opts.transport ?? DEFAULT_TRANSPORT;
  return {
    name: 'open',
    prepare: (ctx) => prepareOpen(ctx, transport),
    run: (ctx, prepared) => runOpen(ctx, transport, prepared as PreparedOpen | undefined),
  };
}

/** Set-up done before the run's clock starts: this thread's runner, or the worker threads, each set up and warmed up. */
type PreparedOpen = { kind: 'thread'; opts: RunnerOptions; probe: ThreadHealthProbe; runner: Awaited<ReturnType<typeof prepareRunner>>; started: boolean } | { kind: 'workers'; workers: PreparedWorkers };

async function prepareOpen(ctx: PrepareContext, transport: TransportName, beforeClock = true): Promise<PreparedOpen> {
  const workers = openLoadOf(ctx.workload).workers;
  if (workers !== 1) return { kind: 'workers', workers: await spawnWorkers(ctx, transport, workers, beforeClock) };
  const probe = new ThreadHealthProbe();
  // originMs and onProgress are filled in by run(), when the clock has started.
  const opts: RunnerOptions = {
    workload: ctx.workload,
    baseUrl: ctx.target.baseUrl,
    credentials: ctx.target.credentials,
    dialect: ctx.target.dialect,
    custom: ctx.target.endpoints,
    timeoutMs: ctx.target.timeoutMs,
    seed: ctx.seed,
    originMs: Number.NaN,
    now: ctx.now,
    signal: ctx.signal,
    transport,
    probe,
  };
  const runner = await prepareRunner(opts);
  const prepared: PreparedOpen = { kind: 'thread', opts, probe, runner, started: false };
  // A stop, or another workload's failed set-up, before the run: its warmed connections are closed (the run will not start).
  if (beforeClock) releaseOnAbort(ctx.signal, () => !prepared.started, runner.close);
  return prepared;
}

export const openEngine: Engine = createOpenEngine();

interface Part {
  result: RunnerResult;
  thread: ThreadHealthSample;
  setupNotes: string[];
}

async function runOpen(ctx: EngineContext, transport: TransportName, preparedOpen?: PreparedOpen): Promise<EngineOutput> {
  const load = openLoadOf(ctx.workload);
  const workers = load.workers;
  const usage = new ProcessUsageMonitor({ targetPid: ctx.target.pid, now: ctx.now });
  // Honour startAfterSec when the caller has not already waited for it.
  const startAtMs = (): number => Math.max(ctx.now(), ctx.originMs + ctx.workload.startAfterSec * 1000);

  let parts: Part[];
  // Not prepared before the clock (a direct call): set up now; a stop then reaches the workers as on a started run.
  const prepared = preparedOpen ?? (await prepareOpen(ctx, transport, false));
  if (prepared.kind === 'thread') {
    const { opts, probe, runner } = prepared;
    prepared.started = true;
    opts.originMs = ctx.originMs;
    opts.signal = ctx.signal;
    opts.onProgress = (p) => ctx.progress({ workload: ctx.workload.name, elapsedSec: p.elapsedSec, totalSec: totalSec(load), requests: p.requests, errors: p.errors, ...(p.p99Ms !== undefined ? { p99Ms: p.p99Ms } : {}) });
    usage.start();
    probe.start();
    const result = await runner.run(startAtMs());
    parts = [{ result, thread: probe.stop(), setupNotes: runner.notes }];
  } else {
    parts = await runWorkers(ctx, prepared.workers, usage, startAtMs);
  }
  const usageEnd = usage.stop();

  const endpoints: Record<string, EndpointResult> = {};
  let counts: ArrivalCounts | undefined;
  for (const p of parts) {
    counts = counts === undefined ? p.result.counts : addCounts(counts, p.result.counts);
    for (const [name, ep] of Object.entries(p.result.endpoints)) {
      const prev = endpoints[name];
      endpoints[name] = prev === undefined ? ep : mergeEndpoint(prev, ep, 0);
    }
  }
  const c = counts!;
  const { health, notes: healthNotes } = assessGenerator({
    threads: parts.map((p) => p.thread),
    process: usageEnd.process,
    target: usageEnd.target,
    threadCount: workers,
    lateToleranceMs: load.lateToleranceMs,
    arrivals: { scheduled: c.scheduled, lateByGenerator: c.lateByGenerator, droppedByGenerator: 0 },
  });

  const notes = [...new Set(parts.flatMap((p) => p.setupNotes))];
  notes.push(...describeArrivals(ctx.workload.name, c, load, ctx.target.timeoutMs));
  notes.push(...describeCleanup(ctx.workload.name, parts.reduce((a, p) => addCleanup(a, p.result.cleanup ?? EMPTY_CLEANUP), EMPTY_CLEANUP)));
  notes.push(...usage.notes, ...healthNotes);
  if (workers > 1) notes.push(`${ctx.workload.name}: ${workers} worker threads; generator cpuPct is the whole process (all threads), event-loop lag is the worst thread's`);
  // Saturation is not restated here: the verdict says it once, one sentence per cause (src/sla/trust.ts).

  const out: EngineOutput = { engine: { name: 'open', version: `${OPEN_ENGINE_VERSION} (${transport})` }, endpoints, generator: health, notes };
  if (parts.some((p) => p.result.aborted)) out.incomplete = { reason: 'aborted before the schedule finished' };
  return out;
}

function totalSec(load: ReturnType<typeof openLoadOf>): number {
  return load.durationSec ?? (load.stages ?? []).reduce((a, s) => a + s.durationSec, 0);
}

/** A worker running the entry under tsx in dev/tests (.ts), as plain .js after build. */
export function spawnOpenWorker(input: WorkerInput): Worker {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    const entryUrl = new URL('./open/worker.ts', here).href;
    return new Worker(new URL('./open/worker-bootstrap.mjs', here), { workerData: { ...input, entryUrl } });
  }
  return new Worker(new URL('./open/worker.js', here), { workerData: input });
}

/** Worker threads spawned, set up and warmed up (each says 'ready'), waiting for the clock's start. */
interface PreparedWorkers {
  threads: Worker[];
  done: Array<Promise<Part>>;
  /** Where progress goes once the run has started (the run's EngineContext). */
  onProgress: ((i: number, m: Extract<WorkerMessage, { type: 'progress' }>) => void) | undefined;
  started: boolean;
  terminate: () => Promise<void>;
}

/**
 * Spawns `count` workers and waits until every one has done its set-up and warm-up, before the clock starts, so
 * the measured duration holds no thread start-up (issue 17). A stop, or another workload's failed set-up, while they
 * wait ends them (the run will not start them). Called by run() itself (`beforeClock` false), a stop is only passed on:
 * the workers end their set-up and report an aborted run.
 */
async function spawnWorkers(ctx: PrepareContext, transport: TransportName, count: number, beforeClock: boolean): Promise<PreparedWorkers> {
  const threads: Worker[] = [];
  const ready: Array<Promise<string[]>> = [];
  const done: Array<Promise<Part>> = [];
  const setupNotes: string[][] = [];
  const prepared: PreparedWorkers = {
    threads,
    done,
    onProgress: undefined,
    started: false,
    terminate: async () => {
      await Promise.all(threads.map((w) => w.terminate()));
    },
  };

  for (let i = 0; i < count; i++) {
    const input: WorkerInput = {
      workload: ctx.workload,
      baseUrl: ctx.target.baseUrl,
      credentials: ctx.target.credentials,
      dialect: ctx.target.dialect,
      custom: ctx.target.endpoints,
      timeoutMs: ctx.target.timeoutMs,
      seed: ctx.seed,
      workerIndex: i,
      workerCount: count,
      transport,
    };
    const w = spawnOpenWorker(input);
    // Waiting workers do not keep the process alive; the run refs them when it starts them.
    w.unref();
    threads.push(w);
    let onReady!: (n: string[]) => void;
    let onDone!: (p: Part) => void;
    let onFail!: (e: Error) => void;
    ready.push(new Promise<string[]>((res, rej) => ((onReady = res), (onFail = rej))));
    done.push(
      new Promise<Part>((res, rej) => {
        onDone = res;
        const prevFail = onFail;
        onFail = (e) => (prevFail(e), rej(e));
      }),
    );
    w.on('message', (m: WorkerMessage) => {
      if (m.type === 'ready') onReady((setupNotes[i] = m.notes));
      else if (m.type === 'progress') prepared.onProgress?.(i, m);
      else if (m.type === 'done') onDone({ result: m.result, thread: m.thread, setupNotes: setupNotes[i] ?? [] });
      else onFail(new RunError('openWorkerFailed', `open-model worker ${i} failed: ${m.message}`, { hint: 'run with workers: 1 to see the error in this thread' }));
    });
    w.on('error', (err) => onFail(new RunError('openWorkerFailed', `open-model worker ${i} crashed: ${err.message}`, { cause: err })));
    w.on('exit', (code) => onFail(new RunError('openWorkerFailed', `open-model worker ${i} exited (code ${code}) before reporting`)));
  }
  // Rejections are handled by Promise.all below and in runWorkers; keep unobserved ones quiet.
  for (const p of [...ready, ...done]) p.catch(() => undefined);

  // A stop during set-up reaches the workers; a stop (or another workload's failed set-up) after it ends them.
  const onAbort = (): void => {
    if (prepared.started) return;
    threads.forEach((w) => w.postMessage({ type: 'abort' }));
    if (beforeClock) void prepared.terminate();
  };
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  if (ctx.signal.aborted) onAbort();
  // The listener stays: a stop between set-up and the start ends the waiting workers (runWorkers marks them started).
  try {
    await Promise.all(ready);
  } catch (e) {
    ctx.signal.removeEventListener('abort', onAbort);
    await prepared.terminate();
    throw e;
  }
  return prepared;
}

async function runWorkers(ctx: EngineContext, prepared: PreparedWorkers, usage: ProcessUsageMonitor, startAtMs: () => number): Promise<Part[]> {
  const load = openLoadOf(ctx.workload);
  const { threads, done } = prepared;
  prepared.started = true;
  const progress = new Map<number, { requests: number; errors: number; p99Ms?: number | undefined }>();
  prepared.onProgress = (i, m) => {
    progress.set(i, { requests: m.requests, errors: m.errors, p99Ms: m.p99Ms });
    if (i !== 0) return;
    let requests = 0;
    let errors = 0;
    let p99Ms: number | undefined;
    // Worker histograms do not cross threads live: the worst worker's p99 (an upper bound of the whole's).
    for (const p of progress.values()) (requests += p.requests), (errors += p.errors), (p99Ms = p.p99Ms === undefined ? p99Ms : Math.max(p99Ms ?? 0, p.p99Ms));
    ctx.progress({ workload: ctx.workload.name, elapsedSec: Math.max(0, (ctx.now() - ctx.originMs) / 1000), totalSec: totalSec(load), requests, errors, ...(p99Ms !== undefined ? { p99Ms } : {}) });
  };
  for (const w of threads) w.ref();

  const onAbort = (): void => threads.forEach((w) => w.postMessage({ type: 'abort' }));
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  // An 'abort' listener added to an already aborted signal never fires.
  if (ctx.signal.aborted) onAbort();
  try {
    // Start together a little ahead, so every worker's first tick lands on the same schedule origin.
    const startEpochMs = performance.timeOrigin + startAtMs() + 20;
    const originEpochMs = performance.timeOrigin + ctx.originMs;
    usage.start();
    for (const w of threads) w.postMessage({ type: 'start', startEpochMs, originEpochMs });
    return await Promise.all(done);
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
    await prepared.terminate();
  }
}
