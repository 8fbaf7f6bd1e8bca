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
});
