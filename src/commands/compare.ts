/**
 * `loadgate compare <base> <cand>`: a before/after diff that tells a real regression from noise (issue #5).
 * Reads results (files or folders), calls the pure compare(), prints Markdown, optionally writes
 * compare.md + compare.json, and exits 1 on a regression when asked to.
 */
import { htmlPage } from '../report/html.js';
import { mkdir, writeFile } from 'node:fs/promises';
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { compare, renderCompareJson, renderCompareHtmlSection, renderCompareMarkdown, MAX_ITERATIONS, type CompareOptions, type Comparison } from '../compare/index.js';
import { EXIT, InputError } from '../errors.js';
import { parseCommandArgs, type CliIO, type Command } from './types.js';
import { readSide } from './shared.js';
import { comparisonAnnotations, publishToGithub } from '../report/github.js';

const USAGE = `loadgate compare — compare a baseline with a candidate and tell a regression from noise

Usage:
  loadgate compare <base> <cand> [options]
  loadgate compare --base a1.json a2.json --cand b1.json b2.json [options]

Each side is a result file, several repeated runs, or a folder: every *.json loadgate result in it, or, for
a folder written by \`loadgate run --repeat N\`, its repeat-1 … repeat-N runs (not their merge).
One run per side: block bootstrap over per-second windows; a change every endpoint shares (a busier
machine looks like that) counts only beyond --shared-noise-floor; each endpoint is also compared with the
run's other endpoints in the same seconds ("tail vs others"). Two or more per side: Mann–Whitney U across
runs (at least 4 per side for a verdict at 95%).

Options:
  --base <file|dir>      baseline result(s); repeat the flag or list several files after it
  --cand <file|dir>      candidate result(s)
  --noise-floor <pct>    changes smaller than this are "unchanged" (default 5; p99 twice, p99.9 four times)
  --noise-floor-ms <ms>  latency changes smaller than this are "unchanged" too (default 0.5)
  --shared-noise-floor <pct>  one run per side: floor for a change every endpoint shares (default 100)
  --confidence <level>   interval level and verdict level (default 0.95)
  --tail-confidence <level>  level of the "tail vs others" rows (default 0.99: they decide a one-run gate)
  --iterations <n>       bootstrap replicates (default 2000, at most 100000)
  --seed <n>             seed of the bootstrap (default 1; same inputs + seed → same output)
  --latency-basis <b>    auto | uncorrected (default auto: corrected open-model latency unless a run lacks it
                         for an endpoint, then latency as sent on every run; uncorrected: as sent everywhere)
  --fail-on <what>       regression | none (default none): exit 1 on any significant regression beyond the floor
  --format <fmt>         markdown | json for stdout (default markdown)
  --out <dir>            also write compare.md, compare.json and compare.html there
  -h, --help             this text

Exit codes: 0 no gate tripped, 1 regression with --fail-on regression, 2 unreadable or invalid input,
3 with --fail-on regression when an input was incomplete, its generator saturated, or it has no endpoints or
no measured time (whether or not a metric regressed: such numbers cannot clear nor convict).`;

const OPTIONS = {
  base: { type: 'string', multiple: true },
  cand: { type: 'string', multiple: true },
  'noise-floor': { type: 'string' },
  'noise-floor-ms': { type: 'string' },
  'shared-noise-floor': { type: 'string' },
  confidence: { type: 'string' },
  'tail-confidence': { type: 'string' },
  iterations: { type: 'string' },
  seed: { type: 'string' },
  'latency-basis': { type: 'string' },
  'fail-on': { type: 'string' },
  format: { type: 'string' },
  out: { type: 'string' },
} as const;

/**
 * `--base a.json b.json --cand c.json`: node's parseArgs takes one value per flag, so files listed after a
 * flag arrive as positionals. Rewrite them into repeated flags before parsing.
 */
export function expandListFlags(argv: string[]): string[] {
  const out: string[] = [];
  let list: '--base' | '--cand' | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--base' || a === '--cand') {
      list = a;
      continue;
    }
    if (a.startsWith('-')) {
      list = undefined;
      out.push(a);
      continue;
    }
    if (list !== undefined) out.push(list, a);
    else out.push(a);
  }
  return out;
}

function numberOption(name: string, raw: string | undefined, check: (n: number) => boolean, expect: string): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || !check(n)) {
    throw new InputError('LG_ARGS', `loadgate compare: --${name}: expected ${expect}, got "${raw}"`, { hint: 'run `loadgate compare --help`' });
  }
  return n;
}

/** `  cand.json: the load generator was saturated` for each untrustworthy input. */
function untrustworthyLines(c: Comparison, baseFiles: string[], candFiles: string[]): string[] {
  return c.untrustworthy.map((u) => {
    const files = u.side === 'base' ? baseFiles : candFiles;
    return `  ${files[(u.run ?? 1) - 1] ?? u.side}: ${u.reason}`;
  });
}

/**
 * A folder written by \`loadgate run --repeat N\` holds the merge (result.json) and the runs (repeat-1/ …):
 * compare reads the runs, so the test goes across them. Other paths pass through.
 */
export async function expandRepeats(paths: string[], cwd: string): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    const abs = resolve(cwd, p);
    const isDir = await stat(abs).then(
      (s) => s.isDirectory(),
      () => false,
    );
    const repeats = isDir
      ? (await readdir(abs, { withFileTypes: true }))
          .filter((d) => d.isDirectory() && /^repeat-\d+$/.test(d.name))
          .map((d) => d.name)
          .sort((a, b) => Number(a.slice(7)) - Number(b.slice(7)))
      : [];
    const files: string[] = [];
    for (const r of repeats) {
      const f = join(p, r, 'result.json');
      if (await stat(resolve(cwd, f)).then(() => true, () => false)) files.push(f);
    }
    out.push(...(files.length > 0 ? files : [p]));
  }
  return out;
}

export const compareCommand: Command = {
  name: 'compare',
  usage: USAGE,
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values, positionals } = parseCommandArgs('compare', expandListFlags(argv), OPTIONS);
    if (values.help) {
      io.stdout.write(`${USAGE}\n`);
      return EXIT.ok;
    }
    let basePaths = values.base ?? [];
    let candPaths = values.cand ?? [];
    if (basePaths.length === 0 && candPaths.length === 0) {
      if (positionals.length !== 2) {
        throw new InputError('LG_ARGS', `loadgate compare: expected <base> <cand>, got ${positionals.length} path${positionals.length === 1 ? '' : 's'}`, {
          hint: 'e.g. `loadgate compare reports/main.json reports/pr.json`, or --base … --cand … for repeated runs',
        });
      }
      basePaths = [positionals[0]!];
      candPaths = [positionals[1]!];
    } else if (positionals.length > 0 || basePaths.length === 0 || candPaths.length === 0) {
      throw new InputError('LG_ARGS', 'loadgate compare: give both --base and --cand (and no other paths), or exactly two paths', { hint: 'run `loadgate compare --help`' });
    }
    const failOn = values['fail-on'] ?? 'none';
    if (failOn !== 'regression' && failOn !== 'none') {
      throw new InputError('LG_ARGS', `loadgate compare: --fail-on: expected regression or none, got "${failOn}"`);
    }
    const format = values.format ?? 'markdown';
    if (format !== 'markdown' && format !== 'json') throw new InputError('LG_ARGS', `loadgate compare: --format: expected markdown or json, got "${format}"`);
    const opts: CompareOptions = {};
    const floor = numberOption('noise-floor', values['noise-floor'], (n) => n >= 0, 'a percentage ≥ 0');
    if (floor !== undefined) opts.noiseFloorPct = floor;
    const conf = numberOption('confidence', values.confidence, (n) => n > 0 && n < 1, 'a level between 0 and 1, e.g. 0.95');
    if (conf !== undefined) opts.confidence = conf;
    const tailConf = numberOption('tail-confidence', values['tail-confidence'], (n) => n > 0 && n < 1, 'a level between 0 and 1, e.g. 0.99');
    if (tailConf !== undefined) opts.tailConfidence = tailConf;
    const floorMs = numberOption('noise-floor-ms', values['noise-floor-ms'], (n) => n >= 0, 'milliseconds ≥ 0');
    if (floorMs !== undefined) opts.noiseFloorMs = floorMs;
    const shared = numberOption('shared-noise-floor', values['shared-noise-floor'], (n) => n >= 0, 'a percentage ≥ 0');
    if (shared !== undefined) opts.sharedNoiseFloorPct = shared;
    const iters = numberOption('iterations', values.iterations, (n) => Number.isInteger(n) && n >= 100 && n <= MAX_ITERATIONS, `an integer from 100 to ${MAX_ITERATIONS}`);
    if (iters !== undefined) opts.bootstrapIterations = iters;
    const seed = numberOption('seed', values.seed, (n) => Number.isInteger(n), 'an integer');
    if (seed !== undefined) opts.seed = seed;
    const basis = values['latency-basis'];
    if (basis !== undefined) {
      if (basis !== 'auto' && basis !== 'uncorrected') throw new InputError('LG_ARGS', `loadgate compare: --latency-basis: expected auto or uncorrected, got "${basis}"`);
      opts.latencyBasis = basis;
    }

    const base = await readSide('base', await expandRepeats(basePaths, io.cwd), io.cwd);
    const cand = await readSide('candidate', await expandRepeats(candPaths, io.cwd), io.cwd);
    const c = compare(base.results, cand.results, opts);
    const markdown = renderCompareMarkdown(c);
    io.stdout.write(format === 'json' ? renderCompareJson(c) : markdown);
    if (values.out !== undefined) {
      const dir = resolve(io.cwd, values.out);
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'compare.md'), markdown);
      await writeFile(join(dir, 'compare.json'), renderCompareJson(c));
      await writeFile(join(dir, 'compare.html'), htmlPage(`loadgate compare: ${c.verdict}`, [renderCompareHtmlSection(c)]));
      io.stderr.write(`wrote ${['compare.md', 'compare.json', 'compare.html'].map((f) => join(values.out!, f)).join(', ')}\n`);
    }
    await publishToGithub(io, markdown, failOn === 'regression' ? comparisonAnnotations(c) : [], format === 'json' ? 'stderr' : 'stdout');
    // Untrustworthy input first: a regression measured by a saturated generator or an interrupted run cannot be
    // told from the generator's own failure (on an overloaded box two identical runs differ by errors and −40%
    // throughput), so the gate says "re-run" (3), never "your change regressed" (1) nor a pass.
    if (failOn === 'regression' && c.untrustworthy.length > 0) {
      const what = c.counts.regressed > 0 ? `${c.counts.regressed} regressed metric(s) on untrustworthy input` : 'untrustworthy input';
      io.stderr.write(`loadgate compare: ${what}: neither a pass nor a regression of the target can be told:\n${untrustworthyLines(c, base.files, cand.files).join('\n')}\n`);
      io.stderr.write('hint: re-run those results (complete, with a generator that keeps up), or gate without --fail-on\n');
      return EXIT.runFailed;
    }
    if (failOn === 'regression' && c.counts.regressed > 0) return EXIT.breach;
    return EXIT.ok;
  },
};
