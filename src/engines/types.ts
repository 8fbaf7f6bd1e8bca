/** The one interface every engine implements. Adding an engine = one file + one line in registry.ts. */
import type { CustomMetric, EndpointResult, GeneratorHealth } from '../result/model.js';
import type { Suite, Workload } from '../suite/schema.js';
import type { DialectName } from '../dialect/registry.js';
import type { CustomOperationSpec } from '../dialect/custom.js';

export interface Credentials {
  apiKey: string;
  apiSecret: string;
  /** Some exchanges sign with a third secret (OKX's passphrase). */
  passphrase?: string;
}

export interface ResolvedTarget {
  /** Base URL without trailing slash, e.g. http://127.0.0.1:43121 */
  baseUrl: string;
  /** WebSocket URL, e.g. ws://127.0.0.1:43121/ws */
  wsUrl: string;
  credentials: Credentials | undefined;
  /** The exchange API it speaks (src/dialect/registry.ts). */
  dialect: DialectName;
  /** The target's custom endpoints by name (`target.endpoints`), spoken in its dialect. */
  endpoints?: Readonly<Record<string, CustomOperationSpec>>;
  timeoutMs: number;
  /** true when the target is the built-in mock started for this run. */
  mock: boolean;
  /** pid of the target process when it is local (the mock runs in this process). */
  pid?: number;
}

export interface Progress {
  workload: string;
  elapsedSec: number;
  totalSec: number;
  /** Requests (HTTP) or messages received (streams) so far. */
  requests: number;
  errors: number;
  /** Latency p99 so far, ms (engines that track it live; the worst worker's when there are several). */
  p99Ms?: number;
  /** What `requests` counts; default requests. */
  unit?: 'requests' | 'messages' | 'connections';
}

export interface EngineContext {
  suite: Suite;
  workload: Workload;
  target: ResolvedTarget;
  /** The run's time origin in the `now()` timebase (ms). Series buckets are seconds since this. */
  originMs: number;
  /** Monotonic clock in ms (performance.now by default). */
  now: () => number;
  /** Aborted on Ctrl-C or when the run must stop: finish quickly and return what was measured. */
  signal: AbortSignal;
  progress: (p: Progress) => void;
  /** Seed for any randomness (mix order, order sizes, arrival jitter). */
  seed: number;
  /** Closed workloads: at most this many requests per second (target.maxRatePerSec's share, src/rate-cap.ts). */
  rateCapPerSec?: number;
}

export interface EngineOutput {
  engine: { name: string; version: string };
  endpoints: Record<string, EndpointResult>;
  custom?: Record<string, CustomMetric>;
  generator?: GeneratorHealth;
  /** The engine could not finish as planned; `endpoints` hold what was measured. */
  incomplete?: { reason: string };
  notes?: string[];
}

/** What an engine's set-up sees: everything but the run's time origin, which is set once every workload is ready. */
export type PrepareContext = Omit<EngineContext, 'originMs' | 'progress'>;

export interface Engine {
  readonly name: string;
  /**
   * Optional set-up before the clock starts (like k6's setup()): read market filters, create orders to cancel.
   * Not measured, and not counted in the run's duration. Its return value is handed to `run`.
   */
  prepare?(ctx: PrepareContext): Promise<unknown>;
  run(ctx: EngineContext, prepared?: unknown): Promise<EngineOutput>;
}
