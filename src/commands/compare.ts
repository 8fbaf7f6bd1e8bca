/**
 * `loadgate compare <base> <cand>`: a before/after diff that tells a real regression from noise (issue #5).
 * Reads results (files or folders), calls the pure compare(), prints Markdown, optionally writes
 * compare.md + compare.json, and exits 1 on a regression when asked to.
 */
import { htmlPage } from '../report/html.js';
import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { compare, renderCompareJson, renderCompareHtmlSection, renderCompareMarkdown, type CompareOptions } from '../compare/index.js';
import { EXIT, InputError } from '../errors.js';
import type { RunResult } from '../result/model.js';
import { parseCommandArgs, type CliIO, type Command } from './types.js';
import { parseResult } from './shared.js';

const USAGE = `loadgate compare — compare a baseline with a candidate and tell a regression from noise

Usage:
  loadgate compare <base> <cand> [options]
  loadgate compare --base a1.json a2.json --cand b1.json b2.json [options]

Each side is a result file, several repeated runs, or a folder (every *.json loadgate result in it).
One run per side: bootstrap of the recorded histograms. Two or more per side: Mann–Whitney U across runs
(at least 4 per side for a verdict at 95%).

Options:
  --base <file|dir>      baseline result(s); repeat the flag or list several files after it
  --cand <file|dir>      candidate result(s)
  --noise-floor <pct>    changes smaller than this are "unchanged" (default 5)
  --confidence <level>   interval level (default 0.95)
  --iterations <n>       bootstrap replicates (default 2000)
  --seed <n>             seed of the bootstrap (default 1; same inputs + seed → same output)
  --fail-on <what>       regression | none (default none): exit 1 on any significant regression beyond the floor
  --format <fmt>         markdown | json for stdout (default markdown)
  --out <dir>            also write compare.md, compare.json and compare.html there
  -h, --help             this text

Exit codes: 0 no gate tripped, 1 regression with --fail-on regression, 2 unreadable or invalid input,
3 with --fail-on regression and no regression, but an input was incomplete or its generator saturated.`;

const OPTIONS = {
  base: { type: 'string', multiple: true },
  cand: { type: 'string', multiple: true },
  'noise-floor': { type: 'string' },
  confidence: { type: 'string' },
  iterations: { type: 'string' },
  seed: { type: 'string' },
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

/** Read one side: files and folders, in the order given. A folder contributes its loadgate results (other JSON is skipped). */
export async function readSide(side: string, paths: string[], cwd: string): Promise<{ results: RunResult[]; files: string[] }> {
  const results: RunResult[] = [];
  const files: string[] = [];
  for (const p of paths) {
    const abs = resolve(cwd, p);
    let isDir = false;
    try {
      isDir = (await stat(abs)).isDirectory();
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new InputError('LG_FILE_UNREADABLE', `${p}: cannot read ${side} result (${code ?? String(e)})`, { hint: 'give a result JSON written by `loadgate run`, or a folder of them', cause: e });
    }
    if (isDir) {
      const names = (await readdir(abs)).filter((n) => n.toLowerCase().endsWith('.json')).sort();
      let found = 0;
      for (const n of names) {
        const file = join(p, n);
        const data = await readJson(join(abs, n), file);
        if (!isResultLike(data)) continue;
        results.push(validate(data, file));
        files.push(file);
        found++;
      }
      if (found === 0) throw new InputError('LG_COMPARE_EMPTY', `${p}: no loadgate results (*.json with "kind": "loadgate.result") in this folder`, { hint: 'results are written by `loadgate run` into reports/' });
    } else {
      results.push(validate(await readJson(abs, p), p));
      files.push(p);
    }
  }
  return { results, files };
}

/**
 * A gate must not pass on numbers that cannot be trusted: an interrupted run, or a saturated generator.
 * Says which inputs and returns true when there are any.
 */
export function refuseUntrustworthy(io: CliIO, command: string, sides: Array<{ results: RunResult[]; files: string[] }>): boolean {
  const problems = sides
    .flatMap((side) => side.results.map((r, i) => [r, side.files[i] ?? r.meta.suite] as const))
    .map(([r, f]) => (r.meta.incomplete ? `${f}: incomplete (${r.meta.incomplete.reason})` : r.generator?.saturated ? `${f}: the load generator was saturated` : undefined))
    .filter((x): x is string => x !== undefined);
  if (problems.length === 0) return false;
  io.stderr.write(`loadgate ${command}: cannot clear the gate on untrustworthy input:\n${problems.map((u) => `  ${u}`).join('\n')}\nhint: re-run those results (complete, with a generator that keeps up), or gate without --fail-on\n`);
  return true;
}

function isResultLike(data: unknown): boolean {
  return data !== null && typeof data === 'object' && (data as { kind?: unknown }).kind === 'loadgate.result';
}

async function readJson(abs: string, shown: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError('LG_FILE_UNREADABLE', `${shown}: cannot read file (${code ?? String(e)})`, { cause: e });
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InputError('LG_FILE_SYNTAX', `${shown}: not valid JSON: ${(e as Error).message}`, { hint: 'compare reads result JSON written by `loadgate run`', cause: e });
  }
}

function validate(data: unknown, file: string): RunResult {
  if (!isResultLike(data)) {
    throw new InputError('LG_RESULT_INVALID', `${file}: (root): not a loadgate result (expected "kind": "loadgate.result")`, { hint: 'compare reads result JSON written by `loadgate run`' });
  }
  return parseResult(file, data);
}

export const compareCommand: Command = {
  name: 'compare',
  summary: 'compare a baseline with a candidate: improved / regressed / unchanged / inconclusive per metric',
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
    const iters = numberOption('iterations', values.iterations, (n) => Number.isInteger(n) && n >= 100, 'an integer ≥ 100');
    if (iters !== undefined) opts.bootstrapIterations = iters;
    const seed = numberOption('seed', values.seed, (n) => Number.isInteger(n), 'an integer');
    if (seed !== undefined) opts.seed = seed;

    const base = await readSide('base', basePaths, io.cwd);
    const cand = await readSide('candidate', candPaths, io.cwd);
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
    if (failOn === 'regression' && c.counts.regressed > 0) return EXIT.breach;
    if (failOn === 'regression' && refuseUntrustworthy(io, 'compare', [base, cand])) return EXIT.runFailed;
    return EXIT.ok;
  },
};
