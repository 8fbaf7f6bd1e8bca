/**
 * `loadgate compare` end to end: the Command with an in-memory CliIO, and (once src/cli.ts registers it) the
 * real CLI spawned through tsx. Exit codes: 0 no gate tripped, 1 regression with --fail-on regression, 2 bad input.
 */
import { readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { compareCommand } from '../../src/commands/compare.js';
import type { CliIO } from '../../src/commands/types.js';
import { InputError } from '../../src/errors.js';
import { ROOT, runCli, tempDir } from '../helpers/cli.js';
import { syntheticResult } from '../helpers/synthetic.js';

function memoryIO(cwd: string): CliIO & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  const sink = (f: (s: string) => void) => new Writable({ write: (chunk, _enc, cb) => (f(String(chunk)), cb()) });
  return {
    stdout: sink((s) => (out += s)),
    stderr: sink((s) => (err += s)),
    env: {},
    cwd,
    signal: new AbortController().signal,
    out: () => out,
    err: () => err,
  };
}

/** Four endpoints; fetchTicker's p99 is set (the others stay at 80 ms), so a change shows against the others. */
const result = (seed: number, p99Ms: number) =>
  syntheticResult({
    seed,
    durationSec: 10,
    endpoints: {
      fetchTicker: { dist: 'lognormal', p50Ms: 20, p99Ms, n: 8000 },
      fetchOrderBook: { dist: 'lognormal', p50Ms: 20, p99Ms: 80, n: 6000 },
      createOrder: { dist: 'lognormal', p50Ms: 20, p99Ms: 80, n: 4000 },
      cancelOrder: { dist: 'lognormal', p50Ms: 20, p99Ms: 80, n: 4000 },
    },
  });

let dir: string;
beforeAll(async () => {
  dir = await tempDir('loadgate-compare-');
  await writeFile(join(dir, 'base.json'), JSON.stringify(result(1, 80)));
  await writeFile(join(dir, 'same.json'), JSON.stringify(result(2, 80)));
  await writeFile(join(dir, 'slow.json'), JSON.stringify(result(3, 160)));
  await writeFile(join(dir, 'empty.json'), JSON.stringify({ ...result(5, 80), endpoints: {} }));
  const zero = result(6, 80);
  zero.meta.durationSec = 0;
  await writeFile(join(dir, 'zero.json'), JSON.stringify(zero));
  // What `run --repeat 4` writes: the merge in the folder, the runs in repeat-N/.
  for (const [name, seed] of [['rep-a', 30], ['rep-b', 40]] as const) {
    await mkdir(join(dir, name));
    await writeFile(join(dir, name, 'result.json'), JSON.stringify(result(seed + 9, 80)));
    for (let i = 1; i <= 4; i++) {
      await mkdir(join(dir, name, `repeat-${i}`));
      await writeFile(join(dir, name, `repeat-${i}`, 'result.json'), JSON.stringify(result(seed + i, 80)));
    }
  }
  await writeFile(join(dir, 'broken.json'), '{"kind": "loadgate.result", ');
  const bad = result(4, 80) as unknown as { meta: { durationSec: unknown } };
  bad.meta.durationSec = 'ten';
  await writeFile(join(dir, 'invalid.json'), JSON.stringify(bad));
  await mkdir(join(dir, 'runs-a'));
  await mkdir(join(dir, 'runs-b'));
  for (let i = 0; i < 4; i++) {
    await writeFile(join(dir, 'runs-a', `r${i}.json`), JSON.stringify(result(10 + i, 80)));
    await writeFile(join(dir, 'runs-b', `r${i}.json`), JSON.stringify(result(20 + i, 80)));
  }
  const interrupted = result(2, 80);
  interrupted.meta.incomplete = { reason: 'stopped by the user' };
  await writeFile(join(dir, 'interrupted.json'), JSON.stringify(interrupted));
  const saturated = result(2, 80);
  saturated.generator = { saturated: true, reasons: ['event-loop lag p99 80 ms > 50 ms'] };
  await writeFile(join(dir, 'saturated.json'), JSON.stringify(saturated));
  // Non-result JSON in a folder is skipped, not an error.
  await writeFile(join(dir, 'runs-a', 'compare.json'), JSON.stringify({ kind: 'loadgate.comparison' }));
});

describe('loadgate compare (the Command)', () => {
  it('exits 1 on a regression with --fail-on regression and prints Markdown', async () => {
    const io = memoryIO(dir);
    expect(await compareCommand.run(['base.json', 'slow.json', '--fail-on', 'regression'], io)).toBe(1);
    expect(io.out()).toMatch(/^### loadgate compare: ❌ \*\*regressed\*\*/);
  });

  it('exits 0 on the same regression without the gate', async () => {
    expect(await compareCommand.run(['base.json', 'slow.json'], memoryIO(dir))).toBe(0);
  });

  it('exits 0 when nothing regressed, even with the gate', async () => {
    expect(await compareCommand.run(['base.json', 'same.json', '--fail-on', 'regression'], memoryIO(dir))).toBe(0);
  });

  it('will not clear the gate (exit 3) when an input is incomplete or its generator was saturated', async () => {
    for (const f of ['interrupted.json', 'saturated.json']) {
      const io = memoryIO(dir);
      expect(await compareCommand.run(['base.json', f, '--fail-on', 'regression'], io)).toBe(3);
      expect(io.err()).toMatch(new RegExp(`${f.replace('.', '\\.')}: (incomplete|the load generator was saturated)`));
    }
    expect(await compareCommand.run(['base.json', 'saturated.json'], memoryIO(dir))).toBe(0);
  });

  it('will not clear nor convict (exit 3) on a saturated input even when a metric regressed', async () => {
    const slowSaturated = JSON.parse(await readFile(join(dir, 'slow.json'), 'utf8'));
    slowSaturated.generator = { saturated: true, reasons: ['schedule slip p99 25 ms > 10 ms'] };
    await writeFile(join(dir, 'slow-saturated.json'), JSON.stringify(slowSaturated));
    const io = memoryIO(dir);
    expect(await compareCommand.run(['base.json', 'slow-saturated.json', '--fail-on', 'regression'], io)).toBe(3);
    expect(io.out().split('\n')[0]).toMatch(/regressed.*untrustworthy input/);
    expect(io.err()).toMatch(/regressed metric\(s\) on untrustworthy input/);
  });

  it('exits 3 with the gate on a candidate with no endpoints or zero duration (issue #16 item 7)', async () => {
    for (const f of ['empty.json', 'zero.json']) {
      const io = memoryIO(dir);
      expect(await compareCommand.run(['base.json', f, '--fail-on', 'regression'], io), f).toBe(3);
      expect(io.err()).toMatch(new RegExp(`${f.replace('.', '\\.')}: (no endpoints|no measured time)`));
    }
  });

  it('reads a folder written by run --repeat as its runs, not their merge', async () => {
    const io = memoryIO(dir);
    expect(await compareCommand.run(['rep-a', 'rep-b', '--format', 'json'], io)).toBe(0);
    const c = JSON.parse(io.out());
    expect(c.mode).toBe('runs');
    expect([c.base.runs, c.cand.runs]).toEqual([4, 4]);
  });

  it('reads folders of repeated runs, skipping JSON that is not a result, and writes compare.md and compare.json', async () => {
    const io = memoryIO(dir);
    const code = await compareCommand.run(['--base', 'runs-a', '--cand', 'runs-b', '--out', 'out', '--noise-floor', '10'], io);
    expect(code).toBe(0);
    const json = JSON.parse(await readFile(join(dir, 'out', 'compare.json'), 'utf8'));
    expect(json.mode).toBe('runs');
    expect(json.base.runs).toBe(4);
    expect(json.options.noiseFloorPct).toBe(10);
    expect(await readFile(join(dir, 'out', 'compare.md'), 'utf8')).toBe(io.out());
  });

  it('takes several files after --base and --cand', async () => {
    const io = memoryIO(dir);
    await compareCommand.run(['--base', 'runs-a/r0.json', 'runs-a/r1.json', '--cand', 'runs-b/r0.json', 'runs-b/r1.json', '--format', 'json'], io);
    const c = JSON.parse(io.out());
    expect([c.base.runs, c.cand.runs]).toEqual([2, 2]);
    expect(c.verdict).toBe('inconclusive');
  });

  it.each([
    [['base.json', 'missing.json'], /missing\.json: cannot read candidate result \(ENOENT\)/],
    [['base.json', 'broken.json'], /broken\.json: not valid JSON/],
    [['base.json', 'invalid.json'], /invalid\.json: meta\.durationSec: expected/],
    [['base.json'], /expected <base> <cand>/],
    [['base.json', 'same.json', '--fail-on', 'always'], /--fail-on: expected regression or none/],
    [['base.json', 'same.json', '--noise-floor', 'five'], /--noise-floor: expected a percentage/],
    [['base.json', 'same.json', '--iterations', '1e9'], /--iterations: expected an integer from 100 to 100000, got "1e9"/],
    [['base.json', 'same.json', '--noise-floor-ms', 'half'], /--noise-floor-ms: expected milliseconds/],
    [['base.json', 'same.json', '--latency-basis', 'corrected'], /--latency-basis: expected auto or uncorrected/],
  ])('rejects %j with a path-qualified InputError (exit 2)', async (argv, message) => {
    const err = await compareCommand.run(argv, memoryIO(dir)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).exitCode).toBe(2);
    expect((err as InputError).message).toMatch(message);
  });
});

describe('loadgate run --repeat (the real CLI), then compare on its folder', () => {
  it('writes each run in repeat-N/ and their merge with every request, and compare tests across the runs', async () => {
    const suite = join(dir, 'repeat.suite.yaml');
    await writeFile(
      suite,
      ['name: repeat', 'target:', '  mock: { seed: 3 }', 'workloads:', '  - name: t', '    load: { model: closed, connections: 2, durationSec: 2 }', '    mix: [{ endpoint: fetchTicker }]', 'sla: { overall: { p99Ms: 5000 } }', ''].join('\n'),
    );
    const out = join(dir, 'rep-run');
    const r = await runCli(['run', suite, '--repeat', '2', '--out', out, '--format', 'json']);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect([0, 3]).toContain(r.code); // 3 only when this busy box saturated the generator
    const read = async (f: string) => JSON.parse(await readFile(join(out, f), 'utf8'));
    const [one, two, merged] = await Promise.all([read('repeat-1/result.json'), read('repeat-2/result.json'), read('result.json')]);
    expect(merged.meta.mergedFrom).toHaveLength(2);
    expect(merged.endpoints.fetchTicker.requests).toBe(one.endpoints.fetchTicker.requests + two.endpoints.fetchTicker.requests);
    expect(r.stderr).toMatch(/repeat 1 of 2[\s\S]*repeat 2 of 2/);
    const io = memoryIO(dir);
    await compareCommand.run(['rep-run', 'rep-run', '--format', 'json'], io);
    const c = JSON.parse(io.out());
    expect(c.mode).toBe('runs');
    expect([c.base.runs, c.cand.runs]).toEqual([2, 2]);
  }, 120_000);

  it('refuses --repeat 0 with exit 2 before running anything', async () => {
    const r = await runCli(['run', join(dir, 'repeat.suite.yaml'), '--repeat', '0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--repeat: expected an integer from 1 to 50/);
  });
});

const registered = /\bcompare\b/.test(readFileSync(join(ROOT, 'src/cli.ts'), 'utf8'));

describe.skipIf(!registered)('loadgate compare (the real CLI)', () => {
  it('exits 1 on a regression with --fail-on regression, 0 otherwise, 2 on unreadable input', async () => {
    const [regressed, same, missing] = await Promise.all([
      runCli(['compare', join(dir, 'base.json'), join(dir, 'slow.json'), '--fail-on', 'regression']),
      runCli(['compare', join(dir, 'base.json'), join(dir, 'same.json'), '--fail-on', 'regression']),
      runCli(['compare', join(dir, 'base.json'), join(dir, 'nope.json')]),
    ]);
    expect(regressed.code).toBe(1);
    expect(regressed.stdout).toContain('❌');
    expect(same.code).toBe(0);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nope\.json/);
    expect(missing.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);
});
