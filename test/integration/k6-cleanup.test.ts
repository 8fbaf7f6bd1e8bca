/**
 * Issue 16, the k6 path: the orders a k6 run created and left resting are cancelled by loadgate after the k6
 * process ends, in the target's dialect, and counted in the notes like the Node engines' clean-up. k6 is not
 * installed: a fake `k6` (a shell script, not k6) replays a real k6 v0.48 run's NDJSON
 * (../shared/fixtures/k6/runs/rest-pass.ndjson) with the `loadgate_orders` samples the scenarios write
 * (scenarios/common.ts `noteOrder`: the id as sample metadata) for orders really placed at the mock (port 0).
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_MOCK_CREDENTIALS, startMockExchange, type MockExchange } from '../../mocks/index.js';
import { createK6Engine } from '../../src/engines/k6.js';
import { RequestFactory } from '../../src/engines/exchange-requests.js';
import type { EngineContext } from '../../src/engines/types.js';
import { parseSuite } from '../../src/suite/load.js';
import { RunError } from '../../src/errors.js';
import { runSuite } from '../../src/run.js';

const RUNS = fileURLToPath(new URL('../../../shared/fixtures/k6/runs/', import.meta.url));
const FIXTURE = readFileSync(join(RUNS, 'rest-pass.ndjson'), 'utf8').trimEnd().split('\n');
const dir = mkdtempSync(join(tmpdir(), 'lg-k6-cleanup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const FAKE = join(dir, 'k6');
writeFileSync(
  FAKE,
  `#!/bin/sh
# Fake k6 for loadgate's tests: copies a prepared NDJSON to --out json=… and exits with FAKE_K6_EXIT. Not k6.
if [ "$1" = "version" ]; then echo "k6 v0.48.0 (fake)"; exit 0; fi
[ -n "$FAKE_K6_RECORD" ] && { cp "$LOADGATE_CONFIG" "$FAKE_K6_RECORD.config.json"; env | grep '^LOADGATE_API_' > "$FAKE_K6_RECORD.env"; }
prev=""
for a in "$@"; do
  case "$prev" in --out) cp "$FAKE_K6_NDJSON" "\${a#json=}";; esac
  prev="$a"
done
exit "\${FAKE_K6_EXIT:-0}"
`,
);
chmodSync(FAKE, 0o755);

let mock: MockExchange | undefined;
afterEach(async () => {
  await mock?.close();
  mock = undefined;
});

const suiteFor = (url: string) =>
  parseSuite('k6-cleanup.yaml', {
    target: { url, timeoutMs: 5000 },
    workloads: [{ name: 'trading', engine: 'k6', load: { model: 'closed', connections: 1, durationSec: 1 }, mix: [{ endpoint: 'createOrder' }, { endpoint: 'cancelOrder' }], symbols: ['BTC-USDT', 'ETH-USDT'] }],
    sla: { overall: { successRatePct: 50 } },
  });

function contextFor(m: MockExchange): EngineContext {
  const suite = suiteFor(m.url);
  return {
    suite,
    workload: suite.workloads[0]!,
    target: { baseUrl: m.url, wsUrl: m.wsUrl, credentials: { ...DEFAULT_MOCK_CREDENTIALS }, timeoutMs: 5000, dialect: 'loadgate', mock: true },
    originMs: performance.now(),
    now: () => performance.now(),
    signal: new AbortController().signal,
    progress: () => {},
    seed: 1,
  };
}

/** Places `n` resting orders at the mock, as the scenario would (the Node planner speaks the same dialect). */
async function placeOrders(ctx: EngineContext, n: number): Promise<Array<{ id: string; symbol: string }>> {
  const f = new RequestFactory({ workload: ctx.workload, credentials: ctx.target.credentials, seed: 7, dialect: 'loadgate' });
  f.setReferencePrice('BTC-USDT', 60_000);
  f.setReferencePrice('ETH-USDT', 3_000);
  const out: Array<{ id: string; symbol: string }> = [];
  for (let i = 0; i < n; i++) {
    const req = f.build('createOrder');
    const res = await fetch(ctx.target.baseUrl + req.path, { method: req.method, headers: req.headers, body: req.body ?? null });
    const body = await res.text();
    expect(res.status, body).toBeLessThan(300);
    out.push({ id: /"orderId"\s*:\s*"([^"]+)"/.exec(body)![1]!, symbol: req.symbol! });
  }
  return out;
}

/** The fixture run plus the scenario's order samples, in k6's NDJSON format. */
function ndjsonWith(events: Array<['created' | 'closed', { id: string; symbol: string }]>): string {
  const time = (JSON.parse(FIXTURE.find((l) => l.includes('"type":"Point"'))!) as { data: { time: string } }).data.time;
  const lines = [...FIXTURE, JSON.stringify({ type: 'Metric', data: { name: 'loadgate_orders', type: 'counter', contains: 'default', thresholds: [], submetrics: null }, metric: 'loadgate_orders' })];
  for (const [event, o] of events) {
    lines.push(JSON.stringify({ metric: 'loadgate_orders', type: 'Point', data: { time, value: 1, tags: { group: '', lg_order: event, scenario: 'trading' }, metadata: { lg_order_id: o.id, lg_symbol: o.symbol } } }));
  }
  const path = join(dir, `run-${Math.random().toString(36).slice(2)}.ndjson`);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

const engineWith = (env: Record<string, string>) => createK6Engine({ env: () => ({ PATH: process.env.PATH ?? '', K6_BIN: FAKE, ...env }) });

describe('k6 runs leave no orders resting', () => {
  it('cancels, after k6 ends, the orders the run reported created and no cancel took; the notes count them like the Node engines', async () => {
    mock = await startMockExchange({ rateLimit: false });
    const ctx = contextFor(mock);
    const [a, b, c] = await placeOrders(ctx, 3);
    // b was cancelled during the run (the scenario reported it closed); c too, but the run did not hear the answer.
    const cancelB = await fetch(`${mock.url}/api/v1/orders/${b!.id}`, { method: 'DELETE', headers: new RequestFactory({ workload: ctx.workload, credentials: ctx.target.credentials, seed: 1 }).cancelRequest(b!).headers });
    expect(cancelB.status).toBe(200);
    await fetch(`${mock.url}/api/v1/orders/${c!.id}`, { method: 'DELETE', headers: new RequestFactory({ workload: ctx.workload, credentials: ctx.target.credentials, seed: 1 }).cancelRequest(c!).headers });
    expect(mock.stats.openOrders).toBe(1);
    const path = ndjsonWith([['created', a!], ['created', b!], ['created', c!], ['closed', b!]]);
    const out = await engineWith({ FAKE_K6_NDJSON: path }).run(ctx);
    const note = (out.notes ?? []).find((n) => /clean-up/.test(n));
    // a: cancelled now; c: already gone (404); b: closed during the run, not tried.
    expect(note).toBe('trading: clean-up cancelled 1 of 2 resting orders the run created, 1 already gone; 0 left resting');
    expect(mock.stats.openOrders).toBe(0);
    // The clean-up is not measured: the endpoints are the fixture's.
    expect(out.endpoints.cancelOrder!.requests).toBe(FIXTURE.filter((l) => l.startsWith('{"metric":"http_reqs"') && l.includes('"name":"cancelOrder"')).length);
  }, 30_000);

  it('a run that reported no orders needs no clean-up and says nothing about one', async () => {
    mock = await startMockExchange({ rateLimit: false });
    const ctx = contextFor(mock);
    const out = await engineWith({ FAKE_K6_NDJSON: ndjsonWith([]) }).run(ctx);
    expect((out.notes ?? []).filter((n) => /clean-up/.test(n))).toEqual([]);
  });

  it('k6 failing after orders were placed (exit 107, a throw in teardown) still cancels them, and the error says so', async () => {
    mock = await startMockExchange({ rateLimit: false });
    const ctx = contextFor(mock);
    const orders = await placeOrders(ctx, 2);
    const path = ndjsonWith(orders.map((o) => ['created', o] as ['created', typeof o]));
    const err = await engineWith({ FAKE_K6_NDJSON: path, FAKE_K6_EXIT: '107' }).run(ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RunError);
    expect((err as RunError).code).toBe('LG_K6_FAILED');
    expect((err as Error).message).toMatch(/trading: clean-up cancelled 2 of 2 resting orders the run created; 0 left resting/);
    expect(mock.stats.openOrders).toBe(0);
  }, 30_000);
});

describe('the k6 engine speaks every dialect', () => {
  it('runs a k6 workload against the okx-v5 mock: the config k6 gets names the dialect, the passphrase is passed', async () => {
    const record = join(dir, 'okx');
    const saved = { K6_BIN: process.env.K6_BIN, FAKE_K6_NDJSON: process.env.FAKE_K6_NDJSON, FAKE_K6_RECORD: process.env.FAKE_K6_RECORD };
    Object.assign(process.env, { K6_BIN: FAKE, FAKE_K6_NDJSON: ndjsonWith([]), FAKE_K6_RECORD: record });
    try {
      const suite = parseSuite('okx.yaml', {
        target: { mock: { dialect: 'okx-v5', seed: 3 } },
        workloads: [{ name: 'md', engine: 'k6', load: { model: 'closed', connections: 1, durationSec: 1 }, mix: [{ endpoint: 'fetchTicker' }], symbols: ['BTC-USDT'] }],
        sla: { overall: { successRatePct: 1 } },
      });
      const result = await runSuite({ suite, env: {} });
      expect(result.meta.engines.map((e) => e.name)).toContain('k6');
      const config = JSON.parse(readFileSync(`${record}.config.json`, 'utf8')) as { dialect: string };
      expect(config.dialect).toBe('okx-v5');
      expect(readFileSync(`${record}.env`, 'utf8')).toMatch(/^LOADGATE_API_PASSPHRASE=.+$/m);
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  }, 60_000);
});
