/**
 * Is the load generator itself the bottleneck? (issue #6). A latency number from a starved generator
 * measures the generator, not the target, so every engine can attach this verdict to its result.
 *
 * - `ThreadHealthProbe`: one per event loop (main thread or worker): event-loop lag
 *   (`perf_hooks.monitorEventLoopDelay`), stalls weighted by time (see below) and schedule slip (how late
 *   arrivals left, HDR histogram in µs).
 * - `ProcessUsageMonitor`: the generator process's CPU (`process.cpuUsage()`, all threads) and peak RSS,
 *   and, for a local target, the target's CPU and peak RSS from /proc/<pid>/stat and /proc/<pid>/status.
 * - `assessGenerator`: pure; turns those samples into `GeneratorHealth` with concrete reasons.
 */
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay, performance, type IntervalHistogram } from 'node:perf_hooks';
import type { GeneratorHealth } from '../result/model.js';
import { createHistogram, encodeHistogram, mergeEncoded, recordUs, type EncodedHistogram, type Histogram } from '../result/histogram.js';

/** Thresholds past which the generator, not the target, limited the run. */
export interface HealthThresholds {
  /** Event-loop lag p99 above this means callbacks (sends, response reads) ran late. Default 50 ms. */
  eventLoopLagP99Ms: number;
  /** CPU of one generator thread at or above this share of a core. Default 95 %. */
  cpuPctPerThread: number;
  /** Arrivals late or dropped because of the generator (not the pool), as a share of scheduled: more than this is saturation. Default 1 %. */
  generatorLateSharePct: number;
}

export const DEFAULT_HEALTH_THRESHOLDS: HealthThresholds = { eventLoopLagP99Ms: 50, cpuPctPerThread: 95, generatorLateSharePct: 1 };

/** What one event loop measured. Plain data: it crosses worker boundaries. */
export interface ThreadHealthSample {
  eventLoopLagMs?: { p50: number; p99: number; max: number };
  /**
   * Time-weighted stalls: over `observedMs`, the total time during which an event arriving (a response, a
   * message) would have waited more than `thresholdMs` for the loop, i.e. Σ max(0, block − threshold).
   * `monitorEventLoopDelay` counts one sample per timer tick, so a 150 ms block every 2 s is 1 sample in 200 and
   * never reaches its p99, although 5 % of everything received in the run waited up to 150 ms.
   */
  stalls?: { thresholdMs: number; stalledMs: number; observedMs: number };
  /** Schedule slip, µs, HDR encoded. */
  slip: EncodedHistogram;
}

export interface ProcessUsage {
  cpuPct: number;
  maxRssMb: number;
  elapsedMs: number;
}

export interface TargetUsage {
  pid: number;
  cpuPct: number;
  maxRssMb: number;
  /** The target runs inside the generator's process (the built-in mock): numbers are not separable. */
  sameProcess: boolean;
}

/** Event-loop lag and schedule slip of the current thread. */
export class ThreadHealthProbe {
  private readonly lag: IntervalHistogram;
  private readonly slip: Histogram = createHistogram();
  private readonly resolutionMs: number;
  private readonly stallThresholdMs: number;
  private readonly now: () => number;
  private stallTimer: NodeJS.Timeout | undefined;
  private startedMs = 0;
  private lastTickMs = 0;
  private stalledMs = 0;

  /** `stallThresholdMs`: a wait longer than this counts as a stall. Default: the lag p99 threshold, 50 ms. */
  constructor(resolutionMs = 10, stallThresholdMs = DEFAULT_HEALTH_THRESHOLDS.eventLoopLagP99Ms, now: () => number = () => performance.now()) {
    this.resolutionMs = resolutionMs;
    this.stallThresholdMs = stallThresholdMs;
    this.now = now;
    this.lag = monitorEventLoopDelay({ resolution: resolutionMs });
  }

  start(): void {
    this.lag.enable();
    this.startedMs = this.lastTickMs = this.now();
    this.stalledMs = 0;
    this.stallTimer = setInterval(() => this.tick(), this.resolutionMs);
    this.stallTimer.unref();
  }

  /** A tick `resolutionMs` after the last one means no stall; anything later was a blocked loop. */
  private tick(): void {
    const t = this.now();
    const blockedMs = t - this.lastTickMs - this.resolutionMs;
    if (blockedMs > this.stallThresholdMs) this.stalledMs += blockedMs - this.stallThresholdMs;
    this.lastTickMs = t;
  }

  /** How late one arrival left its schedule, ms (negative values count as 0). */
  recordSlipMs(ms: number): void {
    recordUs(this.slip, ms > 0 ? ms * 1000 : 0);
  }

  stop(): ThreadHealthSample {
    this.lag.disable();
    const s: ThreadHealthSample = { slip: encodeHistogram(this.slip) };
    if (this.stallTimer !== undefined) {
      clearInterval(this.stallTimer);
      this.stallTimer = undefined;
      this.tick(); // a block that ran up to stop()
      s.stalls = { thresholdMs: this.stallThresholdMs, stalledMs: this.stalledMs, observedMs: Math.max(0, this.now() - this.startedMs) };
    }
    // monitorEventLoopDelay records whole timer intervals in ns (an idle loop reads ≈ resolution): subtract
    // the resolution to get the lag. With no samples its fields are NaN or huge.
    if (this.lag.count > 0) {
      const lagMs = (ns: number): number => Math.max(0, ns / 1e6 - this.resolutionMs);
      s.eventLoopLagMs = { p50: lagMs(this.lag.percentile(50)), p99: lagMs(this.lag.percentile(99)), max: lagMs(this.lag.max) };
    }
    return s;
  }
}

/** Reads a file, or undefined when it cannot (no /proc on macOS, process gone). Injected for tests. */
export type ReadText = (path: string) => string | undefined;

const defaultReadText: ReadText = (path) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};

/** Linux USER_HZ: 100 on every mainstream architecture; Node cannot call sysconf(_SC_CLK_TCK). */
const CLOCK_TICKS_PER_SEC = 100;

/** utime + stime of a process in ms, from /proc/<pid>/stat (fields 14 and 15). */
export function parseProcStatCpuMs(stat: string): number | undefined {
  // The command name (field 2) is in parentheses and may contain spaces: split after the last ')'.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return undefined;
  return ((utime + stime) * 1000) / CLOCK_TICKS_PER_SEC;
}

/** Resident set size in bytes from /proc/<pid>/status (VmRSS, kB). */
export function parseProcStatusRssBytes(status: string): number | undefined {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return m ? Number(m[1]) * 1024 : undefined;
}

export interface ProcessUsageOptions {
  /** pid of a local target (the mock, or `--target-pid`). */
  targetPid?: number | undefined;
  now?: () => number;
  readText?: ReadText;
  /** RSS sampling period. Default 250 ms. */
  sampleIntervalMs?: number;
}

/** Generator process CPU/RSS and, when local, the target's. */
export class ProcessUsageMonitor {
  private readonly now: () => number;
  private readonly readText: ReadText;
  private readonly targetPid: number | undefined;
  private readonly intervalMs: number;
  private startMs = 0;
  private cpuStart: NodeJS.CpuUsage | undefined;
  private targetCpuStartMs: number | undefined;
  private maxRss = 0;
  private maxTargetRss = 0;
  private timer: NodeJS.Timeout | undefined;
  readonly notes: string[] = [];

  constructor(opts: ProcessUsageOptions = {}) {
    this.now = opts.now ?? (() => performance.now());
    this.readText = opts.readText ?? defaultReadText;
    this.targetPid = opts.targetPid;
    this.intervalMs = opts.sampleIntervalMs ?? 250;
  }

  private get sameProcess(): boolean {
    return this.targetPid === process.pid;
  }

  private sample(): void {
    this.maxRss = Math.max(this.maxRss, process.memoryUsage.rss());
    if (this.targetPid !== undefined && !this.sameProcess) {
      const st = this.readText(`/proc/${this.targetPid}/status`);
      const rss = st === undefined ? undefined : parseProcStatusRssBytes(st);
      if (rss !== undefined) this.maxTargetRss = Math.max(this.maxTargetRss, rss);
    }
  }

  private targetCpuMs(): number | undefined {
    if (this.targetPid === undefined || this.sameProcess) return undefined;
    const stat = this.readText(`/proc/${this.targetPid}/stat`);
    return stat === undefined ? undefined : parseProcStatCpuMs(stat);
  }

  start(): void {
    this.startMs = this.now();
    this.cpuStart = process.cpuUsage();
    this.targetCpuStartMs = this.targetCpuMs();
    if (this.targetPid !== undefined && !this.sameProcess && this.targetCpuStartMs === undefined) {
      this.notes.push(`target pid ${this.targetPid}: /proc/${this.targetPid}/stat is not readable, target CPU and memory not measured`);
    }
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
  }

  stop(): { process: ProcessUsage; target?: TargetUsage } {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.sample();
    const elapsedMs = Math.max(1, this.now() - this.startMs);
    const cpu = process.cpuUsage(this.cpuStart);
    const proc: ProcessUsage = { cpuPct: round1(((cpu.user + cpu.system) / 1000 / elapsedMs) * 100), maxRssMb: round1(this.maxRss / 1048576), elapsedMs };
    if (this.targetPid === undefined) return { process: proc };
    if (this.sameProcess) return { process: proc, target: { pid: this.targetPid, cpuPct: proc.cpuPct, maxRssMb: proc.maxRssMb, sameProcess: true } };
    const end = this.targetCpuMs();
    if (end === undefined || this.targetCpuStartMs === undefined) return { process: proc };
    return {
      process: proc,
      target: { pid: this.targetPid, cpuPct: round1(((end - this.targetCpuStartMs) / elapsedMs) * 100), maxRssMb: round1(this.maxTargetRss / 1048576), sameProcess: false },
    };
  }
}

export interface AssessInput {
  threads: ThreadHealthSample[];
  process?: ProcessUsage | undefined;
  target?: TargetUsage | undefined;
  /** Generator threads that share `process.cpuPct` (the main thread counts as one when it runs load). */
  threadCount: number;
  lateToleranceMs?: number | undefined;
  arrivals?: { scheduled: number; lateByGenerator: number; droppedByGenerator: number } | undefined;
}

/** Pure: decides whether the generator limited the run, and says why in numbers. */
export function assessGenerator(input: AssessInput, th: HealthThresholds = DEFAULT_HEALTH_THRESHOLDS): { health: GeneratorHealth; notes: string[] } {
  const reasons: string[] = [];
  const notes: string[] = [];
  const health: GeneratorHealth = { saturated: false, reasons };

  const lags = input.threads.map((t) => t.eventLoopLagMs).filter((l): l is NonNullable<typeof l> => l !== undefined);
  if (lags.length > 0) {
    // Lag histograms of different threads are not exported by Node, so take the worst thread (conservative).
    health.eventLoopLagMs = {
      p50: round2(Math.max(...lags.map((l) => l.p50))),
      p99: round2(Math.max(...lags.map((l) => l.p99))),
      max: round2(Math.max(...lags.map((l) => l.max))),
    };
    if (health.eventLoopLagMs.p99 > th.eventLoopLagP99Ms) {
      reasons.push(`event-loop lag p99 ${health.eventLoopLagMs.p99} ms > ${th.eventLoopLagP99Ms} ms: the generator ran its callbacks late`);
    }
  }

  // Time-weighted stalls, per thread (each thread's own events wait for its own loop): the worst thread.
  for (const t of input.threads) {
    const st = t.stalls;
    if (st === undefined || st.observedMs <= 0) continue;
    const sharePct = (st.stalledMs / st.observedMs) * 100;
    if (sharePct > th.generatorLateSharePct && !(health.eventLoopLagMs !== undefined && health.eventLoopLagMs.p99 > th.eventLoopLagP99Ms)) {
      reasons.push(
        `event loop stalled: for ${round2(sharePct)}% of the run (${Math.round(st.stalledMs)} of ${Math.round(st.observedMs)} ms) an incoming event waited > ${st.thresholdMs} ms, more than ${th.generatorLateSharePct}%: latencies include the generator's own stalls`,
      );
      break;
    }
  }

  const slip = mergeEncoded(input.threads.map((t) => t.slip));
  if (slip.totalCount > 0) {
    health.scheduleSlipMs = { p50: slip.getValueAtPercentile(50) / 1000, p99: slip.getValueAtPercentile(99) / 1000, max: slip.maxValue / 1000 };
    if (input.lateToleranceMs !== undefined && health.scheduleSlipMs.p99 > input.lateToleranceMs) {
      reasons.push(`schedule slip p99 ${health.scheduleSlipMs.p99} ms > lateToleranceMs ${input.lateToleranceMs}: requests left later than planned`);
    }
  }

  if (input.process) {
    health.cpuPct = input.process.cpuPct;
    health.maxRssMb = input.process.maxRssMb;
    const limit = th.cpuPctPerThread * Math.max(1, input.threadCount);
    // A target in the generator's own process puts its CPU into this number: a busy target is not a busy
    // generator. Its effect on the generator (late callbacks, late arrivals) shows in lag, stalls and slip.
    if (input.process.cpuPct >= limit && input.target?.sameProcess === true) {
      notes.push(`process CPU ${input.process.cpuPct}% includes the in-process target, so it is not used to judge the generator (event-loop lag, stalls and schedule slip are)`);
    } else if (input.process.cpuPct >= limit) {
      reasons.push(`generator CPU ${input.process.cpuPct}% ≥ ${limit}% (${th.cpuPctPerThread}% of a core × ${Math.max(1, input.threadCount)} thread(s)): add workers or a bigger box`);
    }
  }

  if (input.target) {
    health.target = { pid: input.target.pid, cpuPct: input.target.cpuPct, maxRssMb: input.target.maxRssMb };
    if (input.target.sameProcess) {
      notes.push(`the target (pid ${input.target.pid}) shares the generator's process: its CPU and memory are not separable, target.cpuPct/maxRssMb are the whole process`);
    }
  }

  const a = input.arrivals;
  if (a && a.scheduled > 0) {
    const byGen = a.lateByGenerator + a.droppedByGenerator;
    const sharePct = (byGen / a.scheduled) * 100;
    if (byGen > 0 && sharePct > th.generatorLateSharePct) {
      reasons.push(`${byGen} of ${a.scheduled} arrivals (${round2(sharePct)}%) were late or dropped because the generator was behind, not because the pool was full`);
    }
  }

  health.saturated = reasons.length > 0;
  return { health, notes };
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
