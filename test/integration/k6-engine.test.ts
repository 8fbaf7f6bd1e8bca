/**
 * The k6 engine's run path: locating k6, spawning it, mapping its exit codes, one SIGINT on abort, and the
 * ingest. k6 itself is not installed here, so a tiny fake `k6` shell script stands in: it replays a real
 * fixture run's NDJSON/summary and exit code (../shared/fixtures/k6/runs). That tests loadgate's
 * spawn/exit-code/ingest logic, not k6.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createK6Engine, apportion } from '../../src/engines/k6.js';
import { locateK6 } from '../../src/engines/k6/locate.js';
import type { EngineContext } from '../../src/engines/types.js';
import { parseSuite } from '../../src/suite/load.js';
import { RunError } from '../../src/errors.js';

const RUNS = fileURLToPath(new URL('../../../shared/fixtures/k6/runs/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'lg-k6-engine-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const FAKE = join(dir, 'k6');
writeFileSync(
  FAKE,
  `#!/bin/sh
# Fake k6 for loadgate's tests: replays a fixture run (files and exit code). Not k6.
if [ "$1" = "version" ]; then echo "\${FAKE_K6_VERSION:-k6 v0.48.0 (fake: replays fixtures)}"; exit 0; fi
ndjson=""; summary=""; prev=""
for a in "$@"; do
  case "$prev" in --out) ndjson="\${a#json=}";; esac
  case "$a" in --summary-export=*) summary="\${a#--summary-export=}";; esac
  prev="$a"
done
[ -n "$FAKE_K6_RECORD" ] && { echo "$@" > "$FAKE_K6_RECORD.args"; env | grep '^LOADGATE_' > "$FAKE_K6_RECORD.env"; cp "$LOADGATE_CONFIG" "$FAKE_K6_RECORD.config.json"; }
if [ -n "$FAKE_K6_WAIT_SIGINT" ]; then
  trap 'echo INT >> "$FAKE_K6_WAIT_SIGINT"' INT
  cp "$FAKE_K6_NDJSON" "$ndjson"
  i=0; while [ ! -s "$FAKE_K6_WAIT_SIGINT" ] && [ $i -lt 400 ]; do sleep 0.05; i=$((i+1)); done
  sleep 0.5
  [ -n "$FAKE_K6_SUMMARY" ] && cp "$FAKE_K6_SUMMARY" "$summary"
  exit 105
fi
[ -n "$FAKE_K6_NDJSON" ] && cp "$FAKE_K6_NDJSON" "$ndjson"
[ -n "$FAKE_K6_SUMMARY" ] && cp "$FAKE_K6_SUMMARY" "$summary"
echo "running (0m01.0s), \${FAKE_K6_VUS:-1}/10 VUs, 42 complete and 0 interrupted iterations"
sleep "\${FAKE_K6_SLEEP:-0}"
[ -n "$FAKE_K6_STDERR" ] && printf '%s\\n' "$FAKE_K6_STDERR" >&2
exit "\${FAKE_K6_EXIT:-0}"
`,
);
chmodSync(FAKE, 0o755);

const suite = parseSuite('k6.suite.yaml', {
  target: { url: 'http://127.0.0.1:9', timeoutMs: 1000 },
  workloads: [
    {
      name: 'market_data',
      engine: 'k6',
      load: { model: 'open', ratePerSec: 40, durationSec: 2 },
      mix: [{ endpoint: 'fetchTicker', weight: 1 }, { endpoint: 'fetchOrderBook', weight: 1 }, { endpoint: 'fetchMarkets', weight: 1 }, { endpoint: 'createOrder', weight: 1 }, { endpoint: 'cancelOrder', weight: 1 }],
    },
  ],
  sla: { endpoints: { fetchTicker: { p95Ms: 300 } } },
});

function ctx(signal: AbortSignal = new AbortController().signal): EngineContext {
  return {
    suite,
    workload: suite.workloads[0]!,
    target: { baseUrl: 'http://127.0.0.1:9', wsUrl: 'ws://127.0.0.1:9/ws', credentials: { apiKey: 'test-key', apiSecret: 'test-secret' }, timeoutMs: 1000, dialect: 'loadgate', mock: false },
    originMs: performance.now(),
    now: () => performance.now(),
    signal,
    progress: () => {},
    seed: 1,
  };
}

const engineWith = (env: Record<string, string>, keepFiles = false) => createK6Engine({ env: () => ({ PATH: process.env.PATH ?? '', K6_BIN: FAKE, ...env }), keepFiles });

describe('finding k6', () => {
  it('exits 3 with an install hint when K6_BIN points to a missing file', () => {
    let err: unknown;
    try {
      locateK6({ K6_BIN: join(dir, 'no-such-k6'), PATH: dir });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RunError);
    expect((err as RunError).exitCode).toBe(3);
    expect((err as RunError).message).toMatch(/K6_BIN/);
    expect((err as RunError).hint).toMatch(/install k6.*K6_BIN/);
  });

  it('exits 3 with an install hint when k6 is not on PATH', async () => {
    const empty = mkdtempSync(join(dir, 'empty-'));
    const engine = createK6Engine({ env: () => ({ PATH: empty }) });
    await expect(engine.run(ctx())).rejects.toMatchObject({ exitCode: 3, code: 'LG_K6_MISSING', message: expect.stringMatching(/not on PATH/), hint: expect.stringMatching(/brew install k6/) });
  });

  it('finds k6 on PATH, and prefers K6_BIN', () => {
    expect(locateK6({ PATH: `/nonexistent:${dir}` })).toEqual({ path: FAKE, source: 'PATH' });
    expect(locateK6({ PATH: '/nonexistent', K6_BIN: FAKE }).source).toBe('K6_BIN');
  });
});

describe('running k6 (fake k6 replaying fixture runs)', () => {
  it('ingests a finished run (exit 0) into endpoints per name tag, with k6 threshold results in the notes', async () => {
    const out = await engineWith({ FAKE_K6_NDJSON: `${RUNS}rest-pass.ndjson`, FAKE_K6_SUMMARY: `${RUNS}rest-pass.summary.json` }).run(ctx());
    expect(out.engine).toEqual({ name: 'k6', version: 'v0.48.0' });
    expect(out.incomplete).toBeUndefined();
    expect(out.endpoints.fetchTicker!.requests).toBe(301);
    expect(out.endpoints.fetchTicker!.workloads).toEqual(['market_data']);
    expect(out.notes!.join('\n')).toMatch(/k6's own thresholds: 0 of 30 crossed/);
    // rest-pass dropped 38 iterations; split over the mix, exactly
    const dropped = Object.values(out.endpoints).reduce((a, e) => a + (e.arrivals?.dropped ?? 0), 0);
    expect(dropped).toBe(38);
    expect(out.custom!['k6.market_data.http_req_duration']!.count).toBe(804);
  });

  it('passes target, workload and SLA in the generated config and the keys only through the environment', async () => {
    const rec = join(dir, 'rec');
    await engineWith({ FAKE_K6_NDJSON: `${RUNS}err-iter-throw.ndjson`, FAKE_K6_RECORD: rec }).run(ctx());
    const args = readFileSync(`${rec}.args`, 'utf8');
    expect(args).toMatch(/^run --out json=\S+samples\.ndjson --summary-export=\S+summary\.json --address {2}\S+rest-mix\.js/);
    const env = readFileSync(`${rec}.env`, 'utf8');
    expect(env).toMatch(/LOADGATE_API_KEY=test-key/);
    expect(env).toMatch(/LOADGATE_API_SECRET=test-secret/);
    const config = readFileSync(`${rec}.config.json`, 'utf8');
    expect(config).not.toMatch(/test-secret/);
    const c = JSON.parse(config) as { baseUrl: string; workload: string; thresholds: Record<string, string[]> };
    expect(c.baseUrl).toBe('http://127.0.0.1:9');
    expect(c.workload).toBe('market_data');
    expect(c.thresholds['http_req_duration{name:fetchTicker}']).toEqual(['p(95)<300']);
    expect(c.thresholds.dropped_iterations).toEqual(['count==0']);
  });

  it('treats exit 99 (k6 thresholds crossed) as a complete run: loadgate gives the verdict', async () => {
    const out = await engineWith({ FAKE_K6_NDJSON: `${RUNS}rest-fail.ndjson`, FAKE_K6_SUMMARY: `${RUNS}rest-fail.summary.json`, FAKE_K6_EXIT: '99' }).run(ctx());
    expect(out.incomplete).toBeUndefined();
    expect(out.notes!.join('\n')).toMatch(/4 of 30 crossed/);
  });

  it('fails the run (exit 3) on k6 exit 104 with its error line', async () => {
    await expect(engineWith({ FAKE_K6_EXIT: '104', FAKE_K6_STDERR: 'level=error msg="unsupported aggregation method count"' }).run(ctx())).rejects.toMatchObject({
      exitCode: 3,
      message: expect.stringMatching(/InvalidConfig[\s\S]*unsupported aggregation/),
    });
  });

  it('names the k6 exit code when it fails the run on one loadgate has no special handling for', async () => {
    await expect(engineWith({ FAKE_K6_EXIT: '100' }).run(ctx())).rejects.toMatchObject({ exitCode: 3, message: expect.stringMatching(/exited with 100 \(SetupTimeout/) });
  });

  it('fails the run on exit 107 (setup threw), even though k6 wrote "all thresholds ok" summaries', async () => {
    await expect(engineWith({ FAKE_K6_NDJSON: `${RUNS}err-setup-throw.ndjson`, FAKE_K6_SUMMARY: `${RUNS}err-setup-throw.summary.json`, FAKE_K6_EXIT: '107' }).run(ctx())).rejects.toMatchObject({ exitCode: 3 });
  });

  for (const [code, run] of [
    ['130', 'err-sigint-killed130'],
    ['137', 'err-sigint-killed130'],
    ['143', 'err-sigint-killed130'],
    ['108', 'err-test-abort'],
  ] as const) {
    it(`keeps the partial data of a k6 exit ${code} and marks the run incomplete`, async () => {
      const out = await engineWith({ FAKE_K6_NDJSON: `${RUNS}${run}.ndjson`, FAKE_K6_EXIT: code }).run(ctx());
      expect(out.incomplete?.reason).toMatch(code === '108' ? /aborted/ : /killed/);
      expect(out.endpoints.fetchTicker!.requests).toBeGreaterThan(0);
    });
  }

  it('on abort sends k6 exactly one SIGINT, waits, and still ingests what it wrote (exit 105)', async () => {
    const signals = join(dir, 'signals.txt');
    writeFileSync(signals, '');
    const ac = new AbortController();
    const p = engineWith({ FAKE_K6_NDJSON: `${RUNS}err-sigint.ndjson`, FAKE_K6_SUMMARY: `${RUNS}err-sigint.summary.json`, FAKE_K6_WAIT_SIGINT: signals }).run(ctx(ac.signal));
    setTimeout(() => {
      ac.abort();
      ac.signal.dispatchEvent(new Event('abort'));
    }, 1500);
    const out = await p;
    expect(readFileSync(signals, 'utf8').trim().split('\n')).toEqual(['INT']);
    expect(out.incomplete?.reason).toMatch(/SIGINT.*105/);
    expect(out.endpoints.fetchTicker!.requests).toBeGreaterThan(0);
  }, 30_000);

  it('reports the version k6 printed, for k6 0.48 and 1.x formats, and never "unknown" for a k6 that ran', async () => {
    for (const [line, version] of [
      ['k6 v1.3.0 (commit/5870e99ae8, go1.25.1, linux/amd64)', 'v1.3.0'],
      ['k6 v0.48.0 (go1.21.4, linux/amd64)', 'v0.48.0'],
      ['k6 1.0.0-rc1 (devel)', 'v1.0.0-rc1'],
    ] as const) {
      const out = await engineWith({ FAKE_K6_NDJSON: `${RUNS}err-test-abort.ndjson`, FAKE_K6_VERSION: line }).run(ctx());
      expect(out.engine).toEqual({ name: 'k6', version });
    }
    const odd = await engineWith({ FAKE_K6_NDJSON: `${RUNS}err-test-abort.ndjson`, FAKE_K6_VERSION: ' ' }).run(ctx());
    expect(odd.engine.version).not.toMatch(/^unknown$/);
    expect(odd.engine.version).toMatch(/not reported/);
  });

  it('puts the first line of a k6 script error in the notes, not its stack', async () => {
    const stderr = readFileSync(`${RUNS}err-iter-throw.stderr.txt`, 'utf8');
    const out = await engineWith({ FAKE_K6_NDJSON: `${RUNS}err-iter-throw.ndjson`, FAKE_K6_STDERR: stderr }).run(ctx());
    const note = out.notes!.find((n) => n.startsWith('k6 logged errors'))!;
    expect(note).toMatch(/deliberate exception in iteration 1 \(at file:/);
    expect(note.split('; ').length).toBeLessThanOrEqual(2);
    expect(out.notes!.join('\n')).not.toMatch(/level=error|\\tat /);
  });

  it('shows a stream workload\'s open connections in the progress line, not "0 requests"', async () => {
    const streamSuite = parseSuite('k6s.suite.yaml', {
      target: { url: 'http://127.0.0.1:9', wsUrl: 'ws://127.0.0.1:9/ws', timeoutMs: 1000 },
      workloads: [{ name: 'books', engine: 'k6', load: { model: 'stream', connections: 10, connectRatePerSec: 10, durationSec: 2 }, streams: [{ channel: 'orderbook' }], symbols: ['BTC-USDT'] }],
    });
    const seen: Array<{ requests: number; unit?: string }> = [];
    const c = { ...ctx(), suite: streamSuite, workload: streamSuite.workloads[0]!, progress: (p: { requests: number; unit?: string }) => seen.push(p) };
    await engineWith({ FAKE_K6_NDJSON: `${RUNS}ws-stream.ndjson`, FAKE_K6_VUS: '7', FAKE_K6_SLEEP: '1.5' }).run(c);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen[seen.length - 1]).toMatchObject({ requests: 7, unit: 'connections' });
  });

  it('removes its temp files unless asked to keep them', async () => {
    const rec = join(dir, 'rec2');
    await engineWith({ FAKE_K6_NDJSON: `${RUNS}err-test-abort.ndjson`, FAKE_K6_RECORD: rec }).run(ctx());
    const cfg = /LOADGATE_CONFIG=(\S+)/.exec(readFileSync(`${rec}.env`, 'utf8'))![1]!;
    expect(existsSync(cfg)).toBe(false);
  });
});

describe('temp files of a prepared k6 run', () => {
  it('are removed when the run is stopped before it starts (run() is then never called)', async () => {
    const ac = new AbortController();
    const engine = engineWith({});
    const prepared = (await engine.prepare!(ctx(ac.signal))) as { dir: string };
    expect(existsSync(prepared.dir)).toBe(true);
    ac.abort();
    for (let i = 0; i < 100 && existsSync(prepared.dir); i++) await new Promise((r) => setTimeout(r, 20));
    expect(existsSync(prepared.dir)).toBe(false);
  });

  it('stay while run() owns them, and run() removes them when k6 is done', async () => {
    const ac = new AbortController();
    const engine = engineWith({ FAKE_K6_NDJSON: `${RUNS}err-test-abort.ndjson` });
    const prepared = (await engine.prepare!(ctx(ac.signal))) as { dir: string };
    const out = await engine.run(ctx(ac.signal), prepared);
    expect(out.endpoints.fetchTicker!.requests).toBeGreaterThan(0);
    expect(existsSync(prepared.dir)).toBe(false);
  });
});

describe('apportion', () => {
  it('splits a count over weights exactly', () => {
    expect(apportion(38, { a: 1, b: 1, c: 1 })).toEqual({ a: 13, b: 13, c: 12 });
    expect(Object.values(apportion(7, { a: 5, b: 3, c: 1 })).reduce((x, y) => x + y, 0)).toBe(7);
  });
});
