/**
 * Worker-thread entry of the open-model engine: runs worker `workerIndex`'s share of the schedule and
 * posts back its endpoint results (histograms encoded, merged exactly by the parent) and health sample.
 *
 * Protocol: parent → { type: 'start', startEpochMs } | { type: 'abort' };
 * worker → { type: 'ready', notes } | { type: 'progress', requests, errors } | { type: 'done', result, thread } | { type: 'error', message }.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { ThreadHealthProbe } from '../generator-health.js';
import { prepareRunner } from './runner.js';
import type { WorkerInput, WorkerMessage } from './worker-protocol.js';

const port = parentPort;
if (!port) throw new Error('open/worker.ts must run in a worker thread');
const input = workerData as WorkerInput;
const post = (m: WorkerMessage): void => port.postMessage(m);
const abort = new AbortController();
// Both threads share the epoch; each has its own performance.timeOrigin.
const toLocal = (epochMs: number): number => epochMs - performance.timeOrigin;

async function main(): Promise<void> {
  const probe = new ThreadHealthProbe();
  const prepared = await prepareRunner({
    workload: input.workload,
    baseUrl: input.baseUrl,
    credentials: input.credentials,
    dialect: input.dialect,
    custom: input.custom,
    timeoutMs: input.timeoutMs,
    seed: input.seed,
    workerIndex: input.workerIndex,
    workerCount: input.workerCount,
    originMs: toLocal(input.originEpochMs),
    now: () => performance.now(),
    signal: abort.signal,
    transport: input.transport,
    probe,
    onProgress: (p) => post({ type: 'progress', requests: p.requests, errors: p.errors, ...(p.p99Ms !== undefined ? { p99Ms: p.p99Ms } : {}) }),
  });
  const startEpochMs = await new Promise<number>((resolve) => {
    port!.on('message', (m: { type: 'start'; startEpochMs: number } | { type: 'abort' }) => {
      if (m.type === 'start') resolve(m.startEpochMs);
      else abort.abort();
    });
    post({ type: 'ready', notes: prepared.notes });
  });
  probe.start();
  const result = await prepared.run(toLocal(startEpochMs));
  post({ type: 'done', result, thread: probe.stop() });
  port!.close();
}

main().catch((err: unknown) => post({ type: 'error', message: err instanceof Error ? err.message : String(err) }));
