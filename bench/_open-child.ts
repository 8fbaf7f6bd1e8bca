/**
 * One open-model run in its own process (so it can be pinned), the way `loadgate run` drives the engine: set-up
 * (`prepare`) before the clock starts, then `run`. Prints one JSON line:
 *   node --import tsx bench/_open-child.ts '<json {url, ratePerSec, durationSec, workers, endpoint}>'
 * - CPU per request: steady (process CPU, all threads, between the progress marks after 1 s and before the end)
 *   and whole process (module loading, set-up and warm-up included);
 * - first-second and steady p99 (corrected latency of second 0, and of seconds 1 … end-1 merged);
 * - schedule slip p99 over the whole run, arrivals sent / late / dropped;
 * - the rate the report shows: requests completed in the measured window (seconds 0 … durationSec) / durationSec.
 */
import { performance } from 'node:perf_hooks';
import { createOpenEngine } from '../src/engines/open.js';
import type { TransportName } from '../src/engines/open/transport.js';
import { workloadSchema } from '../src/suite/schema.js';
import { decodeHistogram, mergeEncoded } from '../src/result/histogram.js';

interface Args {
  url: string;
  ratePerSec: number;
  durationSec: number;
  workers: number;
  endpoint: string;
  maxConnections?: number;
  /** The engine's HTTP client (default: the engine's own default). */
  transport?: TransportName;
}
const args = JSON.parse(process.argv[2]!) as Args;
const workload = workloadSchema.parse({
  name: 'bench',
  load: { model: 'open', ratePerSec: args.ratePerSec, durationSec: args.durationSec, maxConnections: args.maxConnections ?? 256, workers: args.workers },
  mix: [{ endpoint: args.endpoint }],
  symbols: ['BTC-USDT'],
});
const engine = createOpenEngine(args.transport ? { transport: args.transport } : {});
const now = () => performance.now();
const target = { baseUrl: args.url, wsUrl: '', credentials: undefined, timeoutMs: 10_000, dialect: 'loadgate' as const, mock: false };
const signal = new AbortController().signal;
const prepared = await engine.prepare?.({ suite: {} as never, workload, target, now, signal, seed: 1 });
const marks: Array<{ t: number; requests: number; cpuUs: number }> = [];
const originMs = now();
const out = await engine.run(
  {
    suite: {} as never,
    workload,
    target,
    originMs,
    now,
    signal,
    seed: 1,
    progress: (p) => {
      const c = process.cpuUsage();
      marks.push({ t: now(), requests: p.requests, cpuUs: c.user + c.system });
    },
  },
  prepared,
);
const elapsedSec = (now() - originMs) / 1000;
const ep = out.endpoints[args.endpoint]!;
// Steady marks: after the first second, before the last progress (the final call after the drain).
const steady = marks.filter((m) => m.t - originMs >= 1500 && m.t - originMs <= args.durationSec * 1000 + 200);
const a = steady[0];
const b = steady[steady.length - 1];
const series = ep.series.filter((s) => s.tSec < args.durationSec);
const first = series.find((s) => s.tSec === 0);
const rest = series.filter((s) => s.tSec >= 1);
const p99 = (enc: string | undefined) => (enc === undefined ? NaN : decodeHistogram(enc).getValueAtPercentile(99) / 1000);
const total = process.cpuUsage();
process.stdout.write(
  `${JSON.stringify({
    steadyCpuUsPerReq: a && b && b.requests > a.requests ? (b.cpuUs - a.cpuUs) / (b.requests - a.requests) : NaN,
    wholeCpuUsPerReq: (total.user + total.system) / Math.max(1, ep.requests),
    firstSecP99Ms: p99(first?.latency),
    steadyP99Ms: rest.length ? mergeEncoded(rest.map((s) => s.latency)).getValueAtPercentile(99) / 1000 : NaN,
    slipP99Ms: out.generator?.scheduleSlipMs?.p99 ?? NaN,
    sent: ep.arrivals?.sent ?? 0,
    late: ep.arrivals?.late ?? 0,
    dropped: ep.arrivals?.dropped ?? 0,
    requests: ep.requests,
    // What the report's throughput is over the measured window (whole seconds up to the planned end, src/run.ts).
    reportedRatePerSec: series.reduce((n, s) => n + s.requests, 0) / args.durationSec,
    elapsedSec,
    saturated: out.generator?.saturated ?? false,
  })}\n`,
);
