/**
 * Bad input gets exit 2 with the file and the field or line, never an internal error, a hang or a crash
 * (issue 14 items 6–7, issue 16 item 5). Two parts:
 * - the committed corpus test/fixtures/malformed/ (cases.json: file, command, expected message), run through
 *   the real CLI entry (`main`) in this process;
 * - fast-check over the suite, result and k6 NDJSON loaders with inputs mutated from valid ones: each input
 *   either loads (and then evaluates and renders without throwing) or fails with a typed LoadgateError of
 *   exit code 2, within a bounded time.
 * Both print how many inputs they tried.
 */
import { cpSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { planForResult, parseResult } from '../../src/commands/shared.js';
import { ingestNdjsonBuffers } from '../../src/engines/k6/ingest-ndjson.js';
import { ndjsonToRunResult } from '../../src/engines/k6/result.js';
import { isLoadgateError } from '../../src/errors.js';
import { renderAll } from '../../src/report/index.js';
import { evaluate } from '../../src/sla/evaluate.js';
import { parseSuite } from '../../src/suite/load.js';
import { slaSchema } from '../../src/suite/schema.js';
import { ROOT, tempDir } from '../helpers/cli.js';

const CORPUS = join(ROOT, 'test/fixtures/malformed');
/** No single input may take longer than this (a hang shows as a failure, not a stuck test run). */
const MAX_MS_EACH = 10_000;

interface Case {
  file: string;
  argv: string[];
  expect: string;
  why: string;
}

function sink(): { stream: NodeJS.WritableStream; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      text += chunk.toString();
      cb();
    },
  });
  return { stream, text: () => text };
}

async function cli(argv: string[], cwd: string): Promise<{ code: number; stderr: string; stdout: string; ms: number }> {
  const out = sink();
  const err = sink();
  const t0 = performance.now();
  const code = await main(argv, { stdout: out.stream, stderr: err.stream, env: { ...process.env, NO_COLOR: '1' }, cwd, signal: new AbortController().signal });
  return { code, stderr: err.text(), stdout: out.text(), ms: performance.now() - t0 };
}

describe('the malformed-input corpus', () => {
  const cases = JSON.parse(readFileSync(join(CORPUS, 'cases.json'), 'utf8')) as Case[];

  it(`exits 2 with the file and the field or line for each of the ${cases.length} cases, one prefix per message`, async () => {
    const dir = await tempDir('loadgate-malformed-');
    cpSync(CORPUS, dir, { recursive: true });
    const failures: string[] = [];
    for (const c of cases) {
      const argv = [...c.argv, ...(c.argv.some((a) => a.startsWith('@')) ? [] : [c.file])].map((a) => (a === '@file' ? c.file : a === '@valid' ? 'results/valid.result.json' : a));
      const r = await cli(argv, dir);
      const problems = [
        r.code !== 2 && `exit ${r.code}`,
        !r.stderr.includes(c.file) && 'the file is not named',
        !new RegExp(c.expect).test(r.stderr) && `message does not match /${c.expect}/`,
        /internal error|\n\s+at /.test(r.stderr) && 'internal error or stack trace',
        /loadgate \w+: loadgate/.test(r.stderr) && 'repeated prefix',
        /admin:pw|:pw@/.test(r.stderr + r.stdout) && 'printed the password',
        r.ms > MAX_MS_EACH && `took ${Math.round(r.ms)} ms`,
      ].filter(Boolean);
      if (problems.length) failures.push(`${c.file} (${c.why}) [${argv.join(' ')}]: ${problems.join('; ')}\n    ${r.stderr.trim().split('\n').join('\n    ')}`);
    }
    console.log(`malformed corpus: ${cases.length} inputs tried`);
    expect(failures, failures.join('\n')).toEqual([]);
  });

  it('refuses a gzip bomb quickly (exit 2), by its decompression ratio', async () => {
    const dir = await tempDir('loadgate-bomb-');
    // 200 MB of newlines compress to ~200 KB (1000:1): far beyond any k6 NDJSON export.
    const bomb = join(dir, 'bomb.ndjson.gz');
    await writeFile(bomb, gzipSync(Buffer.alloc(200 << 20, 10), { level: 9 }));
    const r = await cli(['import', 'k6', bomb], dir);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/bomb\.ndjson\.gz: decompresses to more than 200 times its compressed size/);
  });
});

// ---- fuzz ----

const validSuite = {
  name: 'fuzz',
  target: { mock: true },
  warmupSec: 1,
  workloads: [
    { name: 'rest', load: { model: 'open', ratePerSec: 50, durationSec: 10 }, mix: [{ endpoint: 'fetchTicker' }, { endpoint: 'createOrder', weight: 2 }] },
    { name: 'ws', load: { model: 'stream', connections: 2, durationSec: '10s' }, streams: [{ channel: 'ticker' }] },
  ],
  sla: { preset: 'exchange-api', overall: { p95Ms: 300, errorRatePct: 1 }, endpoints: { fetchTicker: { p99Ms: { limit: 500, window: '5s' } } } },
};
const validResult = JSON.parse(readFileSync(join(CORPUS, 'results/valid.result.json'), 'utf8')) as Record<string, unknown>;

/** Replace the value at a random path of `base` (objects and arrays walked by index) with `value`. */
function mutate(base: unknown, pathPicks: number[], value: unknown): unknown {
  const root = structuredClone(base) as Record<string, unknown>;
  let node: unknown = root;
  for (let d = 0; d < pathPicks.length; d++) {
    if (node === null || typeof node !== 'object') return root;
    const keys = Object.keys(node as object);
    if (keys.length === 0) return root;
    const k = keys[pathPicks[d]! % keys.length]!;
    const child = (node as Record<string, unknown>)[k];
    if (d === pathPicks.length - 1 || child === null || typeof child !== 'object') {
      (node as Record<string, unknown>)[k] = value;
      return root;
    }
    node = child;
  }
  return root;
}

const nasty = fc.oneof(
  fc.jsonValue(),
  fc.constantFrom(0, -1, -0.5, 1e400, -1e400, Number.NaN, 2 ** 31, 1e12, 1e308, '', '0s', '1e9', '-5s', 'HISTFAAAA', '🙂', null, [], {}),
  fc.double(),
  fc.string(),
  fc.base64String(),
);

/** A thrown error must be typed, exit 2. */
function typedInputError(e: unknown): boolean {
  return isLoadgateError(e) && e.exitCode === 2;
}

function bounded<T>(f: () => T): { value?: T; error?: unknown; ms: number } {
  const t0 = performance.now();
  try {
    return { value: f(), ms: performance.now() - t0 };
  } catch (error) {
    return { error, ms: performance.now() - t0 };
  }
}

describe('fuzzing the loaders', () => {
  let tried = 0;

  it('the suite loader: loads, or throws a typed exit-2 error', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { minLength: 1, maxLength: 6 }), nasty, fc.boolean(), (path, value, whole) => {
        tried++;
        const input = whole ? value : mutate(validSuite, path, value);
        const r = bounded(() => parseSuite('fuzz.suite.yaml', input, {}));
        expect(r.ms).toBeLessThan(MAX_MS_EACH);
        if (r.error !== undefined) expect(typedInputError(r.error), String((r.error as Error)?.stack)).toBe(true);
      }),
      { numRuns: 400, seed: 14 },
    );
  });

  it('the result loader: loads (then evaluates and renders), or throws a typed exit-2 error', () => {
    const sla = slaSchema.parse({ preset: 'exchange-api', endpoints: { fetchTicker: { p99Ms: { limit: 300, window: '1s' } } } });
    fc.assert(
      fc.property(fc.array(fc.nat(), { minLength: 1, maxLength: 7 }), nasty, (path, value) => {
        tried++;
        const input = mutate(validResult, path, value);
        const r = bounded(() => {
          const result = parseResult('fuzz.result.json', input);
          const verdict = evaluate(planForResult(result, sla), result);
          return renderAll({ result, verdict, suiteName: result.meta.suite, generatedAt: '2026-01-01T00:00:00.000Z', reportDir: '/tmp/x' }, ['json', 'md', 'junit']);
        });
        expect(r.ms).toBeLessThan(MAX_MS_EACH);
        if (r.error !== undefined) expect(typedInputError(r.error), String((r.error as Error)?.stack)).toBe(true);
      }),
      { numRuns: 250, seed: 14 },
    );
  });

  it('the k6 NDJSON loader: ingests, or throws a typed exit-2 error naming the line', () => {
    const point = (time: string, value: string, name = 'fetchTicker') =>
      `{"metric":"http_req_duration","type":"Point","data":{"time":"${time}","value":${value},"tags":{"name":"${name}","status":"200","method":"GET"}}}`;
    const metric = '{"type":"Metric","data":{"name":"http_req_duration","type":"trend","contains":"time","thresholds":[],"submetrics":null},"metric":"http_req_duration"}';
    const line = fc.oneof(
      fc.tuple(fc.integer({ min: 0, max: 59 }), fc.double({ min: 0, max: 1e6, noNaN: true })).map(([s, v]) => point(`2026-11-22T00:41:${String(s).padStart(2, '0')}.5Z`, String(v))),
      fc.tuple(fc.string(), fc.constantFrom('1', '1e400', '-1e400', 'NaN', '"x"', 'null', '1.5e-300', '-0', '99999999999999999999')).map(([t, v]) => point(t, v)),
      fc.constantFrom('1970-01-01T00:00:00Z', '2999-12-31T23:59:59Z', '2026-02-30T00:00:00Z', '2026-11-22T25:00:00Z', '2026-11-22T00:41:30.5+02:00').map((t) => point(t, '3')),
      fc.string().map((s) => point('2026-11-22T00:41:30Z', '1').slice(0, s.length)),
      fc.string(),
      fc.constant(metric),
    );
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 30 }), fc.boolean(), (lines, trailingNewline) => {
        tried++;
        const text = `${metric}\n${lines.join('\n')}${trailingNewline ? '\n' : ''}`;
        const r = bounded(() => {
          const ing = ingestNdjsonBuffers([text], { nowMs: Date.UTC(2026, 11, 1) });
          const result = ndjsonToRunResult(ing, { suite: 'fuzz', host: { hostname: 'h', platform: 'linux', arch: 'x64', cpus: 2, node: 'v20' }, fallbackEndedAtMs: Date.UTC(2026, 11, 1) });
          const verdict = evaluate(planForResult(result, slaSchema.parse({ endpoints: { fetchTicker: { p95Ms: { limit: 100, window: '60s' } } } })), result);
          return renderAll({ result, verdict, suiteName: 'fuzz', generatedAt: '2026-01-01T00:00:00.000Z', reportDir: '/tmp/x' }, ['json', 'md']);
        });
        expect(r.ms).toBeLessThan(MAX_MS_EACH);
        if (r.error !== undefined) {
          expect(typedInputError(r.error), String((r.error as Error)?.stack)).toBe(true);
          expect((r.error as Error).message).toMatch(/^line \d+: /);
        }
      }),
      { numRuns: 400, seed: 14 },
    );
    console.log(`fuzz: ${tried} inputs tried over the suite, result and NDJSON loaders`);
  });
});
