/** Messages between the open-model engine and its worker threads (structured-clone data only). */
import type { Workload } from '../../suite/schema.js';
import type { ThreadHealthSample } from '../generator-health.js';
import type { Credentials } from '../types.js';
import type { DialectName } from '../../dialect/registry.js';
import type { CustomOperationSpec } from '../../dialect/custom.js';
import type { RunnerResult } from './runner.js';
import type { TransportName } from './transport.js';

export interface WorkerInput {
  workload: Workload;
  baseUrl: string;
  credentials: Credentials | undefined;
  dialect: DialectName;
  /** The target's custom endpoints (`target.endpoints`). */
  custom: Readonly<Record<string, CustomOperationSpec>> | undefined;
  timeoutMs: number;
  seed: number;
  workerIndex: number;
  workerCount: number;
  transport: TransportName;
}

/** Parent → worker. Epoch ms (performance.timeOrigin + t): threads have different time origins. */
export type ParentMessage = { type: 'start'; startEpochMs: number; originEpochMs: number } | { type: 'abort' };

export type WorkerMessage =
  | { type: 'ready'; notes: string[] }
  | { type: 'progress'; requests: number; errors: number; p99Ms?: number }
  | { type: 'done'; result: RunnerResult; thread: ThreadHealthSample }
  | { type: 'error'; message: string };
