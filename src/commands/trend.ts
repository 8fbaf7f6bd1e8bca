/**
 * `loadgate trend <history-dir>`: the last N runs of a history folder (written by `loadgate run --history`),
 * per endpoint and metric, with the change points Otava's method finds. Markdown on stdout; with --out also
 * trend.md, trend.html (self-contained chart page) and trend.json.
 */
import { join, resolve } from 'node:path';
import { EXIT, InputError } from '../errors.js';
import { readHistoryIndex } from '../history/store.js';
import { buildTrend, DEFAULT_TREND_LAST, TREND_METRICS, type TrendMetric, type TrendOptions } from '../history/trend.js';
import { renderTrendHtml, renderTrendJson, renderTrendMarkdown } from '../history/render.js';
import { publishToGithub } from '../report/github.js';
import { writeReportFiles } from '../report/write.js';
import { readStructuredFile } from '../suite/load.js';
import { parseResult } from './shared.js';
import { parseCommandArgs, type Command } from './types.js';

const USAGE = `loadgate trend — nightly history per endpoint and metric, with change points

Usage: loadgate trend <history-dir> [options]

Reads the history folder that \`loadgate run --history <dir>\` adds each run to, and flags change points
with Apache Otava's (formerly Hunter's) method: e-divisive means on sliding windows, each split kept when a
two-sided t-test of its sides is significant, then weak points merged away.

Options:
  --last <n>          the last n runs (default ${DEFAULT_TREND_LAST})
  --metrics <list>    comma-separated, of ${TREND_METRICS.join(', ')} (default all)
  --window <n>        points per sliding window (default 50)
  --p-value <p>       significance level (default 0.001)
  --ttest <kind>      student (Otava's default, pooled variance) | welch (default student)
  --format <fmt>      markdown | json for stdout (default markdown)
  --out <dir>         also write trend.md, trend.html and trend.json there
  -h, --help          this text

Exit codes: 0 rendered, 2 unreadable or invalid history or arguments.`;

function intOption(name: string, raw: string | undefined, min: number): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(n) || n < min) throw new InputError('LG_ARGS', `loadgate trend: --${name}: expected an integer ≥ ${min}, got "${raw}"`, { hint: 'run `loadgate trend --help`' });
  return n;
}

export const trendCommand: Command = {
  name: 'trend',
  usage: USAGE,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('trend', argv, {
      last: { type: 'string' },
      metrics: { type: 'string' },
      window: { type: 'string' },
      'p-value': { type: 'string' },
      ttest: { type: 'string' },
      format: { type: 'string' },
      out: { type: 'string' },
    });
    if (values.help) {
      io.stdout.write(`${USAGE}\n`);
      return EXIT.ok;
    }
    if (positionals.length !== 1) throw new InputError('LG_ARGS', `loadgate trend: expected one history folder, got ${positionals.length}`, { hint: 'e.g. `loadgate trend reports/history` (written by `loadgate run --history reports/history`)' });
    const opts: TrendOptions = {};
    const last = intOption('last', values.last, 1);
    if (last !== undefined) opts.last = last;
    const win = intOption('window', values.window, 2);
    if (win !== undefined) opts.windowLen = win;
    if (values['p-value'] !== undefined) {
      const p = Number(values['p-value']);
      if (!(p > 0 && p < 1)) throw new InputError('LG_ARGS', `loadgate trend: --p-value: expected a number between 0 and 1, got "${values['p-value']}"`);
      opts.maxPValue = p;
    }
    if (values.ttest !== undefined) {
      if (values.ttest !== 'student' && values.ttest !== 'welch') throw new InputError('LG_ARGS', `loadgate trend: --ttest: expected student or welch, got "${values.ttest}"`);
      opts.ttest = values.ttest;
    }
    if (values.metrics !== undefined) {
      const list = values.metrics.split(',').map((m) => m.trim()).filter(Boolean);
      const bad = list.filter((m) => !(TREND_METRICS as readonly string[]).includes(m));
      if (bad.length > 0 || list.length === 0) throw new InputError('LG_ARGS', `loadgate trend: --metrics: unknown metric ${bad.map((b) => JSON.stringify(b)).join(', ') || '(empty)'}`, { hint: `use a comma-separated list of ${TREND_METRICS.join(', ')}` });
      opts.metrics = list as TrendMetric[];
    }
    const format = values.format ?? 'markdown';
    if (format !== 'markdown' && format !== 'json') throw new InputError('LG_ARGS', `loadgate trend: --format: expected markdown or json, got "${format}"`);

    const dirArg = positionals[0]!;
    const dir = resolve(io.cwd, dirArg);
    const index = await readHistoryIndex(dir);
    if (index.runs.length === 0) throw new InputError('LG_HISTORY_EMPTY', `${dirArg}: no runs in this history (no ${join(dirArg, 'index.json')})`, { hint: 'add runs with `loadgate run <suite> --history <dir>`' });
    const wanted = index.runs.slice(Math.max(0, index.runs.length - (opts.last ?? DEFAULT_TREND_LAST)));
    const history = [];
    for (const entry of wanted) {
      const shown = join(dirArg, entry.file);
      history.push({ entry, result: parseResult(shown, await readStructuredFile(resolve(dir, entry.file), shown)) });
    }
    const trend = buildTrend(history, opts);
    const markdown = renderTrendMarkdown(trend);
    io.stdout.write(format === 'json' ? renderTrendJson(trend) : markdown);
    if (values.out !== undefined) {
      const out = resolve(io.cwd, values.out);
      await writeReportFiles(out, { 'trend.md': markdown, 'trend.html': renderTrendHtml(trend), 'trend.json': renderTrendJson(trend) });
      io.stderr.write(`wrote ${['trend.md', 'trend.html', 'trend.json'].map((f) => join(values.out!, f)).join(', ')}\n`);
    }
    await publishToGithub(io, markdown);
    return EXIT.ok;
  },
};
