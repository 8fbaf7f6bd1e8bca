import { access } from 'node:fs/promises';
import { resolve, dirname, join } from 'node:path';
import { EXIT, InputError } from '../errors.js';
import { slaSchema, type SlaSpec } from '../suite/schema.js';
import { formatZodError, loadSla } from '../suite/load.js';
import { evaluate } from '../sla/evaluate.js';
import { renderAll } from '../report/index.js';
import { parseCommandArgs, type Command } from './types.js';
import { acceptsUntrustworthy, parseFormats, planForResult, readResultFile, verdictExitCode, writeAndPrint, writeTrustReason } from './shared.js';

function storedSla(file: string, sla: unknown): SlaSpec {
  if (sla === undefined) {
    throw new InputError('LG_SLA_MISSING', `${file}: the result carries no SLA (it was imported, merged, or run without one)`, { hint: 'pass --sla <suite.yaml or sla.yaml>' });
  }
  const r = slaSchema.safeParse(sla, { reportInput: true });
  if (!r.success) throw new InputError('LG_SLA_INVALID', formatZodError(`${file} (meta.sla)`, r.error));
  return r.data;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** The first `report-<n>` folder next to the result that does not exist yet. */
async function freeReportDir(base: string): Promise<string> {
  for (let n = 1; n <= 10_000; n++) {
    const dir = join(base, `report-${n}`);
    if (!(await exists(dir))) return dir;
  }
  throw new InputError('LG_REPORT_EXISTS', `loadgate report: ${base} already holds report-1 … report-10000`, { hint: 'pass --out <dir>' });
}

export const reportCommand: Command = {
  name: 'report',
  usage: `Usage: loadgate report <result.json> [--sla <sla-or-suite.yaml>] [options]

Re-evaluates a saved result and writes reports: against the SLA it was run with (stored in the result), or
against another one. The SLA file is a suite (its sla block is used) or a file holding just an sla block
({ sla: { preset: phase-2 } } or the block itself).

Options:
  --sla <file>        SLA or suite file (default: the SLA stored in the result)
  --out <dir>         where to write reports (default: a new report-<n> folder next to the result, so the
                      run's own reports are kept)
  --force             with --out, overwrite reports already in that folder
  --format <list>     json,md,html,junit,prom (default json,md,html,junit)
  --accept-untrustworthy  let the SLA checks decide on an untrustworthy result (saturated generator)
  --no-color          plain output
  -h, --help          this help

Exit codes: 0 pass, 1 an SLA check failed, 2 invalid input, 3 the result is incomplete or untrustworthy.`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('report', argv, {
      sla: { type: 'string' },
      out: { type: 'string' },
      format: { type: 'string' },
      force: { type: 'boolean' },
      'no-color': { type: 'boolean' },
      'accept-untrustworthy': { type: 'boolean' },
    });
    if (values.help) {
      io.stdout.write(`${this.usage}\n`);
      return EXIT.ok;
    }
    const file = positionals[0];
    if (!file || positionals.length > 1) {
      io.stderr.write(`loadgate report: expected one result file\n\n${this.usage}\n`);
      return EXIT.invalidInput;
    }
    const formats = parseFormats(values.format);
    const resultPath = resolve(io.cwd, file);
    const result = await readResultFile(resultPath);
    const sla = values.sla ? await loadSla(resolve(io.cwd, values.sla)) : storedSla(file, result.meta.sla);
    const verdict = evaluate(planForResult(result, sla), result, acceptsUntrustworthy(io, values['accept-untrustworthy']));
    // Never write over the run's own reports (issue 16): a new folder beside them, or --out (refused over
    // existing reports unless --force).
    const dir = values.out ? resolve(io.cwd, values.out) : await freeReportDir(dirname(resultPath));
    const report = { result, verdict, suiteName: result.meta.suite, generatedAt: new Date().toISOString(), reportDir: dir };
    const files = renderAll(report, formats);
    if (values.out && !values.force) {
      const existing = (await Promise.all(Object.keys(files).map(async (n) => ((await exists(join(dir, n))) ? n : undefined)))).filter((n) => n !== undefined);
      if (existing.length > 0) {
        throw new InputError('LG_REPORT_EXISTS', `loadgate report: --out ${values.out} already holds ${existing.join(', ')}`, {
          hint: 'pass --force to overwrite them, or leave out --out to write a new report-<n> folder next to the result',
        });
      }
    }
    await writeAndPrint(io, report, files, values['no-color']);
    writeTrustReason(io, 'report', verdict);
    return verdictExitCode(verdict);
  },
};
