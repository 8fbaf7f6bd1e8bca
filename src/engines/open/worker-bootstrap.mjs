// Dev/test only: a worker whose entry is TypeScript registers tsx first. `execArgv: ['--import', 'tsx']`
// does not reach a worker's module loader on Node 20, so the engine starts this file instead.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entryUrl);
