import { describe, expect, it } from 'vitest';
import { compileSla } from '../../src/sla/checks.js';
import { evaluate } from '../../src/sla/evaluate.js';
import { endpoint, result } from '../helpers/results.js';

const steady = (sec: number, latencyMs = 10, n = 100) => Array.from({ length: sec }, () => ({ n, latencyMs }));

describe('evaluate', () => {
  it('passes a check that holds and fails one that does not, with actual, limit and margin', () => {
    const r = result({ fetchTicker: endpoint('fetchTicker', steady(10, 10)) }, { durationSec: 10 });
    const v = evaluate(compileSla({ endpoints: { fetchTicker: { p95Ms: 20, p99Ms: 5 } } }), r);
    const p95 = v.checks.find((c) => c.id === 'fetchTicker.p95Ms')!;
    const p99 = v.checks.find((c) => c.id === 'fetchTicker.p99Ms')!;
    expect(p95).toMatchObject({ status: 'pass', limit: 20 });
    expect(p95.actual).toBeCloseTo(10, 1);
    expect(p95.marginPct).toBeCloseTo(50, 0);
    expect(p99.status).toBe('fail');
    expect(p99.marginPct!).toBeLessThan(0);
    expect(v.status).toBe('fail');
  });

  it('marks a check on an endpoint that was never measured as no-data, which fails unless optional', () => {
    const r = result({ fetchTicker: endpoint('fetchTicker', steady(5)) }, { durationSec: 5 });
    const strict = evaluate(compileSla({ endpoints: { createOrder: { p95Ms: 100 } } }), r);
    expect(strict.checks[0]).toMatchObject({ status: 'no-data', id: 'createOrder.p95Ms' });
    expect(strict.status).toBe('fail');
    const optional = evaluate(compileSla({ endpoints: { createOrder: { p95Ms: { limit: 100, optional: true } } } }), r);
    expect(optional.checks[0]!.status).toBe('no-data');
    expect(optional.status).toBe('pass');
  });

  it('excludes the warm-up from every check', () => {
    const slowStart = [...steady(3, 500), ...steady(7, 10)];
    const r = result({ fetchTicker: endpoint('fetchTicker', slowStart) }, { durationSec: 10, warmupSec: 3 });
    const v = evaluate(compileSla({ endpoints: { fetchTicker: { maxMs: 50 } } }), r);
    expect(v.checks[0]!.status).toBe('pass');
    const noWarmup = evaluate(compileSla({ endpoints: { fetchTicker: { maxMs: 50 } } }), { ...r, meta: { ...r.meta, warmupSec: 0 } });
    expect(noWarmup.checks[0]!.status).toBe('fail');
  });

  it('fails a windowed check when one window breaches even though the whole-run aggregate passes', () => {
    // 1% errors overall, but all of them in the first 10-second window.
    const perSec = Array.from({ length: 30 }, (_, s) => ({ n: 100, latencyMs: 5, errors: s < 10 ? 3 : 0 }));
    const r = result({ fetchTicker: endpoint('fetchTicker', perSec) }, { durationSec: 30 });
    const whole = evaluate(compileSla({ endpoints: { fetchTicker: { errorRatePct: 2 } } }), r);
    expect(whole.checks[0]!.status).toBe('pass');
    const windowed = evaluate(compileSla({ endpoints: { fetchTicker: { errorRatePct: { limit: 2, window: 10 } } } }), r);
    expect(windowed.checks[0]).toMatchObject({ status: 'fail', windows: { checked: 3, failed: 1, worstFromSec: 0 } });
    expect(windowed.checks[0]!.actual).toBeCloseTo(3, 5);
  });

  it('checks errors per minute in every minute window', () => {
    const perSec = Array.from({ length: 120 }, (_, s) => ({ n: 10, latencyMs: 5, errors: s === 70 ? 4 : s < 60 ? 0 : 0, errorClass: 'rateLimit' as const }));
    const r = result({ fetchTicker: endpoint('fetchTicker', perSec) }, { durationSec: 120 });
    const v = evaluate(compileSla({ overall: { errorsPerMinute: { rateLimit: 3 } } }), r);
    expect(v.checks[0]).toMatchObject({ id: 'overall.errorsPerMinute.rateLimit', status: 'fail', actual: 4, windows: { checked: 2, failed: 1, worstFromSec: 60 } });
  });

  it('computes overall checks over every http endpoint together', () => {
    const r = result({ a: endpoint('a', steady(5, 10)), b: endpoint('b', steady(5, 30)) }, { durationSec: 5 });
    const v = evaluate(compileSla({ overall: { p50Ms: 100, throughputPerSec: 150 } }), r);
    expect(v.checks.find((c) => c.metric === 'throughputPerSec')!.actual).toBeCloseTo(200, 5);
    expect(v.status).toBe('pass');
  });

  it('reads availability from the health probes', () => {
    const probes = endpoint('health', [{ n: 10, latencyMs: 1, errors: 1 }]);
    const r = result({ a: endpoint('a', steady(1)), health: { ...probes, kind: 'probe' } }, { durationSec: 1 });
    const v = evaluate(compileSla({ overall: { availabilityPct: 95 } }), r);
    expect(v.checks[0]).toMatchObject({ status: 'fail', actual: 90 });
  });

  it('fails the implicit dropped-arrivals check of an open-model endpoint', () => {
    const ep = { ...endpoint('a', steady(2)), arrivals: { scheduled: 210, sent: 200, late: 3, dropped: 10 } };
    const v = evaluate(compileSla(undefined, { openModelEndpoints: new Set(['a']) }), result({ a: ep }, { durationSec: 2 }));
    expect(v.checks[0]).toMatchObject({ id: 'a.droppedArrivals', status: 'fail', actual: 10, source: 'implicit' });
  });
});

describe('compileSla', () => {
  it('expands a preset, lets explicit targets override it, and leaves out endpoints the suite does not drive (with a note)', () => {
    const plan = compileSla({ preset: 'exchange-api', endpoints: { fetchTicker: { p95Ms: 100 } } }, { drivenEndpoints: new Set(['fetchTicker']) });
    expect(plan.checks.find((c) => c.id === 'fetchTicker.p95Ms')).toMatchObject({ limit: 100, source: 'suite' });
    expect(plan.checks.find((c) => c.id === 'overall.p95Ms')).toMatchObject({ limit: 2000, source: 'preset:exchange-api' });
    expect(plan.checks.some((c) => c.scope === 'createOrder')).toBe(false);
    expect(plan.notes.join()).toMatch(/createOrder/);
  });

  it('ships the phase presets from the KPI sheet', () => {
    const p2 = compileSla({ preset: 'phase-2' }).checks;
    expect(p2.map((c) => [c.metric, c.op, c.limit])).toEqual([
      ['p95Ms', '<', 150],
      ['throughputPerSec', '>=', 1000],
      ['errorRatePct', '<', 0.3],
      ['availabilityPct', '>=', 99.7],
    ]);
  });

  it('rejects an unknown preset with the list of known ones (exit 2)', () => {
    expect(() => compileSla({ preset: 'phase-9' })).toThrow(/unknown preset "phase-9"/);
    try {
      compileSla({ preset: 'nope' });
    } catch (e) {
      expect((e as { exitCode: number }).exitCode).toBe(2);
      expect((e as { hint: string }).hint).toMatch(/exchange-api/);
    }
  });
});

describe('latency basis for open-model results', () => {
  it('checks corrected latency by default and uncorrected latency when the SLA asks for it', async () => {
    const { EndpointRecorder } = await import('../../src/result/recorder.js');
    const r = new EndpointRecorder('a', 'http', 'w');
    for (let i = 0; i < 100; i++) r.recordResponse({ atMs: i * 10, latencyUs: 200_000, latencyUncorrectedUs: 5_000, status: 200 });
    const res = result({ a: r.toResult() }, { durationSec: 1 });
    const corrected = evaluate(compileSla({ endpoints: { a: { p99Ms: 50 } }, latencyBasis: 'corrected' }), res);
    expect(corrected.checks[0]!.status).toBe('fail');
    const uncorrected = evaluate(compileSla({ endpoints: { a: { p99Ms: 50 } }, latencyBasis: 'uncorrected' }), res);
    expect(uncorrected.checks[0]).toMatchObject({ status: 'pass' });
    expect(uncorrected.checks[0]!.actual!).toBeCloseTo(5, 1);
  });

  /** 10 s of an open endpoint that sent late throughout (corrected = as sent + 300 ms); as sent: slow in the warm-up (0–2 s) and in second 8. */
  async function openEndpoint(name: string) {
    const { EndpointRecorder } = await import('../../src/result/recorder.js');
    const r = new EndpointRecorder(name, 'http', 'w');
    for (let sec = 0; sec < 10; sec++) {
      const asSentUs = sec < 3 || sec === 8 ? 400_000 : 5_000;
      for (let i = 0; i < 100; i++) r.recordResponse({ atMs: sec * 1000 + i * 10, latencyUs: asSentUs + 300_000, latencyUncorrectedUs: asSentUs, status: 200 });
    }
    return r.toResult();
  }

  it('excludes the warm-up from uncorrected checks and checks every window on the uncorrected series', async () => {
    const ep = await openEndpoint('a');
    expect(ep.series.every((p) => p.latencyUncorrected !== undefined)).toBe(true);
    const res = result({ a: ep }, { durationSec: 10, warmupSec: 3 });
    const sla = compileSla({ endpoints: { a: { p50Ms: 50, p90Ms: { limit: 50, window: 2 } } }, latencyBasis: 'uncorrected' });
    const v = evaluate(sla, res);
    const p50 = v.checks.find((c) => c.id === 'a.p50Ms')!;
    expect(p50.status).toBe('pass'); // the slow warm-up is not in it
    expect(p50.actual!).toBeCloseTo(5, 1);
    expect(p50.detail).toBeUndefined();
    const windowed = v.checks.find((c) => c.id === 'a.p90Ms')!;
    expect(windowed.windows).toMatchObject({ checked: 3, failed: 1, worstFromSec: 7 });
    expect(windowed.actual!).toBeCloseTo(400, -1);
  });

  it('reads overall from the endpoints as sent: uncorrected where recorded, plain latency where not', async () => {
    const open = await openEndpoint('a');
    const closed = endpoint('b', steady(10, 7));
    const res = result({ a: open, b: closed }, { durationSec: 10, warmupSec: 3 });
    const v = evaluate(compileSla({ overall: { p90Ms: 50, maxMs: 500 }, latencyBasis: 'uncorrected' }), res);
    const p90 = v.checks.find((c) => c.id === 'overall.p90Ms')!;
    // As sent after the warm-up: 600 samples at 5 ms and 100 at 400 ms (a), 700 at 7 ms (b): p90 is the 1260th, 7 ms.
    expect(p90.actual!).toBeCloseTo(7, 1);
    // Corrected: 700 at 7 ms (b), 600 at 305 ms and 100 at 700 ms (a): p90 is 305 ms.
    const corrected = evaluate(compileSla({ overall: { p90Ms: 50 } }), res);
    expect(corrected.checks[0]!.actual!).toBeCloseTo(305, -1);
    const max = v.checks.find((c) => c.id === 'overall.maxMs')!;
    expect(max.actual!).toBeCloseTo(400, -1);
  });

  it('falls back to the whole-run uncorrected histogram for results written without per-second uncorrected latency, and says so', async () => {
    const ep = await openEndpoint('a');
    const old = { ...ep, series: ep.series.map(({ latencyUncorrected: _, ...p }) => p) };
    const v = evaluate(compileSla({ endpoints: { a: { maxMs: 50 } }, latencyBasis: 'uncorrected' }), result({ a: old }, { durationSec: 10, warmupSec: 3 }));
    expect(v.checks[0]!.status).toBe('fail');
    expect(v.checks[0]!.detail).toMatch(/whole run including warm-up/);
  });

  it('never reads corrected per-second latency as uncorrected for such results, overall included', async () => {
    const ep = await openEndpoint('a');
    const old = { ...ep, series: ep.series.map(({ latencyUncorrected: _, ...p }) => p) };
    const res = result({ a: old, b: endpoint('b', steady(10, 7)) }, { durationSec: 10, warmupSec: 3 });
    const v = evaluate(compileSla({ overall: { p90Ms: 50 }, latencyBasis: 'uncorrected' }), res);
    // Whole run as sent: 400 at 400 ms and 600 at 5 ms (a), 1000 at 7 ms (b): p90 is 400 ms; corrected read as-sent would be 305.
    expect(v.checks[0]!.actual!).toBeCloseTo(400, -1);
    expect(v.checks[0]!.detail).toMatch(/whole run including warm-up/);
  });
});

describe('trust is part of the verdict (issue #13, #14)', () => {
  const plan = compileSla({ endpoints: { fetchTicker: { p95Ms: 1000 } } });
  const healthy = () => result({ fetchTicker: endpoint('fetchTicker', steady(10)) }, { durationSec: 10 });

  it('passes a complete run whose checks pass, with no trust issue', () => {
    const v = evaluate(plan, healthy());
    expect(v).toMatchObject({ status: 'pass', slaStatus: 'pass', trust: { issues: [], accepted: false } });
    expect(v.reason).toBeUndefined();
  });

  it('calls an interrupted run incomplete, never pass, even when every check passes', () => {
    const r = healthy();
    r.meta.incomplete = { reason: 'stopped by the user before the planned duration' };
    const v = evaluate(plan, r);
    expect(v.slaStatus).toBe('pass');
    expect(v.status).toBe('incomplete');
    expect(v.reason).toBe('The run was interrupted (stopped by the user before the planned duration).');
    // Never accepted: an incomplete run did not run what the suite asked for.
    expect(evaluate(plan, r, { acceptUntrustworthy: true }).status).toBe('incomplete');
  });

  it('calls a run whose generator was saturated untrustworthy, one short sentence per cause, unless accepted', () => {
    const r = healthy();
    r.generator = {
      saturated: true,
      reasons: [
        'event-loop lag p99 70.5 ms > 50 ms: the generator ran its callbacks late',
        'event-loop lag p99 80 ms > 50 ms: the generator ran its callbacks late',
        'event loop stalled: for 1.13% of the run (226 of 20087 ms) an incoming event waited > 50 ms, more than 1%: latencies include the generator\'s own stalls',
        '564 of 8000 arrivals (7.05%) were late or dropped because the generator was behind, not because the pool was full',
      ],
    };
    const v = evaluate(plan, r);
    expect(v.status).toBe('untrustworthy');
    expect(v.trust.issues.map((i) => i.sentence)).toEqual([
      '564 of 8,000 arrivals (7.05%) left late because the generator was behind.',
      'The load generator was saturated (event-loop lag p99 80 ms > 50 ms; event loop stalled 1.13% of the run), so latencies include its own stalls.',
    ]);
    const byOption = evaluate(plan, r, { acceptUntrustworthy: true });
    expect(byOption).toMatchObject({ status: 'pass', trust: { accepted: true } });
    expect(byOption.reason).toContain('The load generator was saturated');
    const bySuite = evaluate(compileSla({ acceptUntrustworthy: true, endpoints: { fetchTicker: { p95Ms: 1 } } }), r);
    expect(bySuite).toMatchObject({ status: 'fail', slaStatus: 'fail', trust: { accepted: true } });
  });

  it('calls a run that measured nothing incomplete: no duration, or a warm-up as long as the run', () => {
    const zero = result({ fetchTicker: endpoint('fetchTicker', []) }, { durationSec: 0 });
    expect(evaluate(compileSla({}), zero)).toMatchObject({ status: 'incomplete', trust: { issues: [{ cause: 'no-data' }] } });
    const allWarmup = result({ fetchTicker: endpoint('fetchTicker', steady(1)) }, { durationSec: 1, warmupSec: 100 });
    const v = evaluate(compileSla({}), allWarmup);
    expect(v.status).toBe('incomplete');
    expect(v.reason).toBe('The run measured nothing: its 1 s ended within the 100 s warm-up.');
  });

  it('calls a run whose target stopped answering incomplete (target lost), even with no SLA at all', () => {
    const dying = [...steady(6), ...Array.from({ length: 4 }, () => ({ n: 100, latencyMs: 1, errors: 100, errorClass: 'network' as const }))];
    const v = evaluate(compileSla({}), result({ fetchTicker: endpoint('fetchTicker', dying) }, { durationSec: 10 }));
    expect(v.status).toBe('incomplete');
    expect(v.trust.issues).toEqual([{ cause: 'target-lost', level: 'incomplete', sentence: 'Target lost: nothing answered from t = 6 s to the end of the run.' }]);
    // Server errors are answers: a target that answers 500 is failing, not lost (the checks say so).
    const erroring = [...steady(6), ...Array.from({ length: 4 }, () => ({ n: 100, latencyMs: 1, errors: 100, errorClass: 'server' as const }))];
    expect(evaluate(compileSla({}), result({ fetchTicker: endpoint('fetchTicker', erroring) }, { durationSec: 10 })).status).toBe('pass');
    // A blip shorter than the streak is not a lost target.
    const blip = [...steady(8), ...Array.from({ length: 2 }, () => ({ n: 100, latencyMs: 1, errors: 100, errorClass: 'network' as const }))];
    expect(evaluate(compileSla({}), result({ fetchTicker: endpoint('fetchTicker', blip) }, { durationSec: 10 })).status).toBe('pass');
  });

  it('treats a ratio over nothing as no data: 0 of 0 reconnects is not 100%', () => {
    const r = result({}, { durationSec: 5 });
    const ws = endpoint('ws:orderbook', steady(5));
    ws.kind = 'ws';
    ws.stream = {
      connectionsOpened: 10, connectFailures: 0, connectTime: ws.latency, subscribeAckTime: ws.latency, messages: 500, messagesByChannel: { orderbook: 500 },
      expected: 500, lost: 0, duplicates: 0, reordered: 0, disconnects: 0, reconnectAttempts: 0, reconnectSuccesses: 0, recoveryTime: ws.latency, uptimeSec: 50, downtimeSec: 0,
    };
    r.endpoints['ws:orderbook'] = ws;
    const v = evaluate(compileSla({ endpoints: { 'ws:orderbook': { reconnectSuccessPct: 99 } } }), r);
    expect(v.checks[0]).toMatchObject({ status: 'no-data', detail: 'no reconnect attempts (0 of 0): no connection dropped' });
    expect(v.status).toBe('fail');
    // The exchange-api preset marks it optional, so a run without drops passes on the rest.
    const preset = evaluate(compileSla({ preset: 'exchange-api' }, { drivenEndpoints: new Set(['ws:orderbook']) }), r);
    expect(preset.checks.find((c) => c.id === 'ws:orderbook.reconnectSuccessPct')).toMatchObject({ status: 'no-data', optional: true });
  });

  it('ends a check with a zero-length window instead of looping forever (window: "0s")', () => {
    const r = result({ fetchTicker: endpoint('fetchTicker', steady(10)) }, { durationSec: 10 });
    const c = compileSla({ endpoints: { fetchTicker: { p95Ms: { limit: 100, window: 0 } } } });
    const v = evaluate(c, r);
    expect(v.checks[0]).toMatchObject({ status: 'pass' });
    expect(v.checks[0]!.detail).toContain('window 0s is not a positive length');
  });

  it('gives percent metrics their margin in percentage points', () => {
    const perSec = Array.from({ length: 10 }, (_, s) => ({ n: 100, latencyMs: 5, errors: s < 2 ? 6 : 0 }));
    const v = evaluate(compileSla({ endpoints: { fetchTicker: { errorRatePct: 1 } } }), result({ fetchTicker: endpoint('fetchTicker', perSec) }, { durationSec: 10 }));
    expect(v.checks[0]!.actual).toBeCloseTo(1.2, 6);
    expect(v.checks[0]!.marginPp).toBeCloseTo(-0.2, 6);
    expect(v.checks[0]!.marginPct).toBeCloseTo(-20, 6);
  });
});
