/**
 * The open-model engine (issue #6): rate-driven load (constant or ramping arrival rate, constant or Poisson
 * spacing) that measures each request from its intended send time, so a stalling target cannot hide behind
 * a slowed-down generator (coordinated omission). Reports corrected (`latency`) and uncorrected
 * (`latencyUncorrected`) latency, arrival accounting (`arrivals`: scheduled/sent/late/dropped), and whether
 * the generator itself was the bottleneck (`generator`).
 *
 * `workers: 1` runs in this thread; more spread the schedule over worker threads (arrival n goes to worker
 * n % workers) whose histograms merge exactly. The autocannon engine stays the closed-model engine.
 */
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { RunError } from '../errors.js';
import { mergeEndpoint } from '../result/merge.js';
import type { EndpointResult } from '../result/model.js';
import { assessGenerator, ProcessUsageMonitor, ThreadHealthProbe, type ThreadHealthSample } from './generator-health.js';
import { addCounts, describeArrivals, openLoadOf, prepareRunner, type ArrivalCounts, type RunnerOptions, type RunnerResult } from './open/runner.js';
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

/** Single-thread set-up done before the run's clock starts (worker threads set up inside the workers). */
interface PreparedOpen {
  opts: RunnerOptions;
  probe: ThreadHealthProbe;
  runner: Awaited<ReturnType<typeof prepareRunner>>;
}

async function prepareOpen(ctx: PrepareContext, transport: TransportName): Promise<PreparedOpen | undefined> {
  if (openLoadOf(ctx.workload).workers !== 1) return undefined;
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
  return { opts, probe, runner: await prepareRunner(opts) };
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
  if (workers === 1) {
    const { opts, probe, runner } = preparedOpen ?? (await prepareOpen(ctx, transport))!;
    opts.originMs = ctx.originMs;
    opts.signal = ctx.signal;
    opts.onProgress = (p) => ctx.progress({ workload: ctx.workload.name, elapsedSec: p.elapsedSec, totalSec: totalSec(load), requests: p.requests, errors: p.errors, ...(p.p99Ms !== undefined ? { p99Ms: p.p99Ms } : {}) });
    usage.start();
    probe.start();
    const result = await runner.run(startAtMs());
    parts = [{ result, thread: probe.stop(), setupNotes: runner.notes }];
  } else {
    parts = await runWorkers(ctx, transport, workers, usage, startAtMs);
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

async function runWorkers(ctx: EngineContext, transport: TransportName, count: number, usage: ProcessUsageMonitor, startAtMs: () => number): Promise<Part[]> {
  const load = openLoadOf(ctx.workload);
  const originEpochMs = performance.timeOrigin + ctx.originMs;
  const threads: Worker[] = [];
  const progress = new Map<number, { requests: number; errors: number; p99Ms?: number | undefined }>();
  const ready: Array<Promise<string[]>> = [];
  const done: Array<Promise<Part>> = [];
  const setupNotes: string[][] = [];

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
      originEpochMs,
      transport,
    };
    const w = spawnOpenWorker(input);
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
      else if (m.type === 'progress') {
        progress.set(i, { requests: m.requests, errors: m.errors, p99Ms: m.p99Ms });
        if (i === 0) {
          let requests = 0;
          let errors = 0;
          let p99Ms: number | undefined;
          // Worker histograms do not cross threads live: the worst worker's p99 (an upper bound of the whole's).
          for (const p of progress.values()) (requests += p.requests), (errors += p.errors), (p99Ms = p.p99Ms === undefined ? p99Ms : Math.max(p99Ms ?? 0, p.p99Ms));
          ctx.progress({ workload: ctx.workload.name, elapsedSec: Math.max(0, (ctx.now() - ctx.originMs) / 1000), totalSec: totalSec(load), requests, errors, ...(p99Ms !== undefined ? { p99Ms } : {}) });
        }
      } else if (m.type === 'done') onDone({ result: m.result, thread: m.thread, setupNotes: setupNotes[i] ?? [] });
      else onFail(new RunError('openWorkerFailed', `open-model worker ${i} failed: ${m.message}`, { hint: 'run with workers: 1 to see the error in this thread' }));
    });
    w.on('error', (err) => onFail(new RunError('openWorkerFailed', `open-model worker ${i} crashed: ${err.message}`, { cause: err })));
    w.on('exit', (code) => onFail(new RunError('openWorkerFailed', `open-model worker ${i} exited (code ${code}) before reporting`)));
  }
  // Rejections are handled by Promise.all below; keep unobserved ones quiet.
  for (const p of [...ready, ...done]) p.catch(() => undefined);

  const onAbort = (): void => threads.forEach((w) => w.postMessage({ type: 'abort' }));
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  // An 'abort' listener added to an already aborted signal never fires.
  if (ctx.signal.aborted) onAbort();
  try {
    await Promise.all(ready);
    // Start together a little ahead, so every worker's first tick lands on the same schedule origin.
    const startEpochMs = performance.timeOrigin + startAtMs() + 20;
    usage.start();
    for (const w of threads) w.postMessage({ type: 'start', startEpochMs });
    return await Promise.all(done);
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
    await Promise.all(threads.map((w) => w.terminate()));
  }
}
