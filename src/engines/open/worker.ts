/**
 * Worker-thread entry of the open-model engine: runs worker `workerIndex`'s share of the schedule and
 * posts back its endpoint results (histograms encoded, merged exactly by the parent) and health sample.
 *
 * Protocol: parent → { type: 'start', startEpochMs, originEpochMs } | { type: 'abort' };
 * worker → { type: 'ready', notes } | { type: 'progress', requests, errors } | { type: 'done', result, thread } | { type: 'error', message }.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { ThreadHealthProbe } from '../generator-health.js';
import { prepareRunner } from './runner.js';
import type { ParentMessage, WorkerInput, WorkerMessage } from './worker-protocol.js';
import type { RunnerOptions } from './runner.js';

const port = parentPort;
if (!port) throw new Error('open/worker.ts must run in a worker thread');
const input = workerData as WorkerInput;
const post = (m: WorkerMessage): void => port.postMessage(m);
const abort = new AbortController();
// Both threads share the epoch; each has its own performance.timeOrigin.
const toLocal = (epochMs: number): number => epochMs - performance.timeOrigin;

async function main(): Promise<void> {
  const probe = new ThreadHealthProbe();
  // originMs is set when the run starts (the parent's clock starts after every worker is set up and warmed up).
  const opts: RunnerOptions = {
    workload: input.workload,
    baseUrl: input.baseUrl,
    credentials: input.credentials,
    dialect: input.dialect,
    custom: input.custom,
    timeoutMs: input.timeoutMs,
    seed: input.seed,
    workerIndex: input.workerIndex,
    workerCount: input.workerCount,
    originMs: Number.NaN,
    now: () => performance.now(),
    signal: abort.signal,
    transport: input.transport,
    probe,
    onProgress: (p) => post({ type: 'progress', requests: p.requests, errors: p.errors, ...(p.p99Ms !== undefined ? { p99Ms: p.p99Ms } : {}) }),
  };
  const prepared = await prepareRunner(opts);
  const startEpochMs = await new Promise<number>((resolve) => {
    port!.on('message', (m: ParentMessage) => {
      if (m.type === 'start') {
        opts.originMs = toLocal(m.originEpochMs);
        resolve(m.startEpochMs);
      } else abort.abort();
    });
    post({ type: 'ready', notes: prepared.notes });
  });
  probe.start();
  const result = await prepared.run(toLocal(startEpochMs));
  post({ type: 'done', result, thread: probe.stop() });
  port!.close();
}

main().catch((err: unknown) => post({ type: 'error', message: err instanceof Error ? err.message : String(err) }));
