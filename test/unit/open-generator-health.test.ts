import { describe, expect, it } from 'vitest';
import { assessGenerator, parseProcStatCpuMs, parseProcStatusRssBytes, ProcessUsageMonitor, ThreadHealthProbe, type ThreadHealthSample } from '../../src/engines/generator-health.js';
import { createHistogram, encodeHistogram, recordUs } from '../../src/result/histogram.js';

function slipOf(msValues: number[]): string {
  const h = createHistogram();
  for (const v of msValues) recordUs(h, v * 1000);
  return encodeHistogram(h);
}
const calm: ThreadHealthSample = { eventLoopLagMs: { p50: 0.1, p99: 2, max: 5 }, slip: slipOf(Array.from({ length: 100 }, () => 1)) };

describe('generator health', () => {
  it('trusts a generator with low lag, small slip, spare CPU and no late arrivals', () => {
    const { health } = assessGenerator({ threads: [calm], process: { cpuPct: 40, maxRssMb: 100, elapsedMs: 1000 }, threadCount: 1, lateToleranceMs: 10, arrivals: { scheduled: 1000, lateByGenerator: 0, droppedByGenerator: 0 } });
    expect(health.saturated).toBe(false);
    expect(health.reasons).toEqual([]);
    expect(health.scheduleSlipMs?.p99).toBeCloseTo(1, 2);
    expect(health.cpuPct).toBe(40);
  });

  it('flags event-loop lag, schedule slip, a busy core and generator-caused late arrivals, each with its number', () => {
    const { health } = assessGenerator({
      threads: [{ eventLoopLagMs: { p50: 20, p99: 80, max: 120 }, slip: slipOf(Array.from({ length: 100 }, () => 30)) }],
      process: { cpuPct: 99, maxRssMb: 100, elapsedMs: 1000 },
      threadCount: 1,
      lateToleranceMs: 10,
      arrivals: { scheduled: 1000, lateByGenerator: 50, droppedByGenerator: 0 },
    });
    expect(health.saturated).toBe(true);
    expect(health.reasons).toHaveLength(4);
    expect(health.reasons.join('\n')).toMatch(/event-loop lag p99 80 ms/);
    expect(health.reasons.join('\n')).toMatch(/schedule slip p99 30/);
    expect(health.reasons.join('\n')).toMatch(/CPU 99%/);
    expect(health.reasons.join('\n')).toMatch(/50 of 1000 arrivals/);
  });

  it('scales the CPU limit with the number of generator threads', () => {
    const input = { threads: [calm, calm], process: { cpuPct: 150, maxRssMb: 1, elapsedMs: 1 }, lateToleranceMs: 10 };
    expect(assessGenerator({ ...input, threadCount: 2 }).health.saturated).toBe(false);
    expect(assessGenerator({ ...input, threadCount: 1 }).health.saturated).toBe(true);
  });

  it('merges slip histograms of several threads exactly and reports the worst thread lag', () => {
    const { health } = assessGenerator({ threads: [{ slip: slipOf([1, 1, 1]) }, { eventLoopLagMs: { p50: 1, p99: 3, max: 9 }, slip: slipOf([100]) }], threadCount: 2 });
    expect(health.scheduleSlipMs?.max).toBeCloseTo(100, 0);
    expect(health.scheduleSlipMs?.p50).toBeCloseTo(1, 2);
    expect(health.eventLoopLagMs).toEqual({ p50: 1, p99: 3, max: 9 });
  });

  it('says when the target shares the generator process, so its CPU is not separable', () => {
    const { health, notes } = assessGenerator({ threads: [calm], target: { pid: 7, cpuPct: 30, maxRssMb: 50, sameProcess: true }, threadCount: 1 });
    expect(health.target).toEqual({ pid: 7, cpuPct: 30, maxRssMb: 50 });
    expect(notes.join()).toMatch(/shares the generator's process/);
  });

  it('reads CPU ticks and RSS from /proc files, even when the command name has spaces', () => {
    const stat = '1234 (node worker 1) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 11 0 100 1000000 5000';
    expect(parseProcStatCpuMs(stat)).toBe(3000);
    expect(parseProcStatusRssBytes('Name:\tnode\nVmRSS:\t  2048 kB\n')).toBe(2048 * 1024);
    expect(parseProcStatusRssBytes('Name:\tnode\n')).toBeUndefined();
  });

  it('measures a local target process from /proc through an injected reader', () => {
    let tick = 0;
    let clock = 0;
    const reader = (path: string): string | undefined =>
      path.endsWith('/stat') ? `9 (t) S ${'0 '.repeat(10)}${(tick += 50)} 0 0` : 'VmRSS:\t 10240 kB\n';
    const m = new ProcessUsageMonitor({ targetPid: 999_999, readText: reader, now: () => clock });
    m.start();
    clock = 1000;
    const { target } = m.stop();
    // 50 ticks of 10 ms over 1 s = 50 %.
    expect(target).toEqual({ pid: 999_999, cpuPct: 50, maxRssMb: 10, sameProcess: false });
  });

  it('sees a blocked event loop as lag', async () => {
    const probe = new ThreadHealthProbe(5);
    probe.start();
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setTimeout(r, 10));
      const until = performance.now() + 80;
      while (performance.now() < until) {
        // busy: the loop cannot run timers
      }
    }
    const s = probe.stop();
    expect(s.eventLoopLagMs?.max).toBeGreaterThan(50);
  });

  it('flags short, rare stalls that take a share of the run even though the lag p99 (one sample per tick) misses them', () => {
    // 150 ms blocks every 2 s: 1 lag sample in 200, but 5 % of the run spent in a block, 2.5 % waiting > 50 ms.
    const stalled: ThreadHealthSample = { ...calm, stalls: { thresholdMs: 50, stalledMs: 250, observedMs: 10_000 } };
    const { health } = assessGenerator({ threads: [stalled], threadCount: 1 });
    expect(health.eventLoopLagMs?.p99).toBe(2);
    expect(health.saturated).toBe(true);
    expect(health.reasons.join('\n')).toMatch(/for 2\.5% of the run \(250 of 10000 ms\) an incoming event waited > 50 ms/);
    const rare: ThreadHealthSample = { ...calm, stalls: { thresholdMs: 50, stalledMs: 50, observedMs: 10_000 } };
    expect(assessGenerator({ threads: [rare], threadCount: 1 }).health.saturated).toBe(false);
  });

  it('does not call the generator saturated when the busy CPU is an in-process target', () => {
    const input = { threads: [calm], process: { cpuPct: 99, maxRssMb: 100, elapsedMs: 1000 }, threadCount: 1, lateToleranceMs: 10 };
    const shared = assessGenerator({ ...input, target: { pid: 7, cpuPct: 99, maxRssMb: 100, sameProcess: true } });
    expect(shared.health.saturated).toBe(false);
    expect(shared.notes.join('\n')).toMatch(/includes the in-process target/);
    // A separate target process: the CPU is the generator's own.
    expect(assessGenerator({ ...input, target: { pid: 7, cpuPct: 10, maxRssMb: 1, sameProcess: false } }).health.saturated).toBe(true);
  });

  it('measures time-weighted stalls of its own event loop', async () => {
    const probe = new ThreadHealthProbe(5, 50);
    probe.start();
    for (let i = 0; i < 2; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const until = performance.now() + 130;
      while (performance.now() < until) {
        // busy: the loop cannot run timers
      }
    }
    await new Promise((r) => setTimeout(r, 50));
    const s = probe.stop();
    // Two 130 ms blocks, 80 ms each beyond the 50 ms threshold (the tick may land up to one interval late).
    expect(s.stalls?.stalledMs).toBeGreaterThanOrEqual(2 * 75);
    expect(s.stalls?.observedMs).toBeGreaterThanOrEqual(400);
  });
});
