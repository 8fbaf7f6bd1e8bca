/**
 * `loadgate merge a.json b.json …`: one result from several (distributed k6 runners, split files), exactly:
 * histograms add bucket by bucket, counts add, rates are recomputed over the union of the time ranges.
 * Inputs may be loadgate results or raw k6 NDJSON (each runner's --out json file). With --sla: one verdict.
 */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { EXIT, InputError } from '../errors.js';
import { mergeResults } from '../result/merge.js';
import { runResultSchema, type RunResult } from '../result/model.js';
import { formatZodError, loadSla, loadSuite, readStructuredFile } from '../suite/load.js';
import type { SlaSpec, Suite } from '../suite/schema.js';
import { applyRunSemantics } from '../engines/k6/as-run.js';
import { evaluate } from '../sla/evaluate.js';
import { readK6File, sniffK6File } from '../engines/k6/files.js';
import { parseCommandArgs, type Command } from './types.js';
import { planForResult, readResultFile, verdictExitCode } from './shared.js';

/** A loadgate result as written, or k6 output judged as `run` would for `suite` (arrivals, warm-up). */
export async function readAnyResult(path: string, includeSetup: boolean, suite?: Suite): Promise<RunResult> {
  const kind = await sniffK6File(path);
  if (kind === 'loadgate-result') return readResultFile(path);
  const { result } = await readK6File(path, { includeSetup });
  applyRunSemantics(result, suite);
  return result;
}

/** `--sla <file>`: a suite (its SLA, and the suite for warm-up and mix) or an SLA block. */
async function loadSuiteOrSla(file: string): Promise<{ suite?: Suite; sla: SlaSpec }> {
  const data = await readStructuredFile(file);
  if (data !== null && typeof data === 'object' && 'workloads' in data) {
    const suite = await loadSuite(file);
    return { suite, sla: suite.sla ?? {} };
  }
  return { sla: await loadSla(file) };
}

export const mergeCommand: Command = {
  name: 'merge',
  usage: `Usage: loadgate merge <a.json> <b.json> … [--out merged.json] [--sla suite-or-sla.yaml]

Merges loadgate results, or k6 NDJSON files from distributed runners (k6-operator, --execution-segment),
into one result: histograms add exactly, counts add, rates are recomputed over the union of the time ranges.
A k6 summary (--summary-export) can be merged too, but its percentiles cannot: they become no-data.

Options:
  --out <file>        where to write the merged result (default: stdout, unless --sla is given)
  --sla <file>        evaluate the merged result against this SLA (a suite or an sla block); exit 0 pass, 1 fail.
                      A suite also gives k6 NDJSON inputs its warm-up and mix weights, so the verdict is the
                      one \`loadgate run\` gives (dropped iterations fail the implicit droppedArrivals < 1)
  --include-setup     count k6 setup()/teardown() requests when reading NDJSON
  -h, --help          this help

Exit codes: 0 merged (and the SLA passed), 1 the SLA failed, 2 invalid input.`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('merge', argv, { out: { type: 'string' }, sla: { type: 'string' }, 'include-setup': { type: 'boolean' } });
    if (values.help) {
      io.stdout.write(`${this.usage}\n`);
      return EXIT.ok;
    }
    if (positionals.length === 0) throw new InputError('LG_ARGS', 'loadgate merge: expected at least one result file', { hint: 'run `loadgate merge --help`' });
    const given = values.sla ? await loadSuiteOrSla(resolve(io.cwd, values.sla)) : undefined;
    const sla = given?.sla;
    const results: RunResult[] = [];
    for (const f of positionals) results.push(await readAnyResult(resolve(io.cwd, f), values['include-setup'] === true, given?.suite));
    const merged = mergeResults(results, positionals);
    const known = new Set(results.flatMap((r) => r.meta.notes));
    for (const n of merged.meta.notes) if (!known.has(n)) io.stderr.write(`loadgate merge: note: ${n}\n`);
    const check = runResultSchema.safeParse(merged);
    if (!check.success) throw new Error(`merge produced an invalid result:\n${formatZodError('merged', check.error)}`);
    const text = `${JSON.stringify(merged)}\n`;
    if (values.out) {
      await writeFile(resolve(io.cwd, values.out), text);
      io.stderr.write(`loadgate merge: ${positionals.length} inputs → ${values.out} (${merged.meta.durationSec.toFixed(1)} s, ${Object.keys(merged.endpoints).length} endpoints)\n`);
    } else if (!sla) io.stdout.write(text);
    if (!sla) return EXIT.ok;
    const verdict = evaluate(planForResult(merged, sla), merged);
    const lines = verdict.checks.map((c) => {
      const actual = c.actual === undefined ? '—' : `${Number(c.actual.toFixed(3))}`;
      return `  ${c.status.padEnd(7)} ${c.id} ${c.op} ${c.limit}${c.unit === 'count' ? '' : ` ${c.unit}`}  actual ${actual}${c.detail ? `  (${c.detail})` : ''}`;
    });
    io.stdout.write(`SLA ${verdict.status.toUpperCase()}: ${verdict.summary.pass} pass, ${verdict.summary.fail} fail, ${verdict.summary.noData} no-data\n${lines.join('\n')}\n`);
    for (const n of verdict.notes) io.stdout.write(`note: ${n}\n`);
    if (verdict.reason !== undefined) io.stdout.write(`${verdict.status}: ${verdict.reason}\n`);
    return verdictExitCode(verdict);
  },
};
