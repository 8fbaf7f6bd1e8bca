import { resolve, dirname } from 'node:path';
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

export const reportCommand: Command = {
  name: 'report',
  usage: `Usage: loadgate report <result.json> [--sla <sla-or-suite.yaml>] [options]

Re-evaluates a saved result and writes reports: against the SLA it was run with (stored in the result), or
against another one. The SLA file is a suite (its sla block is used) or a file holding just an sla block
({ sla: { preset: phase-2 } } or the block itself).

Options:
  --sla <file>        SLA or suite file (default: the SLA stored in the result)
  --out <dir>         where to write reports (default: next to the result)
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
    const dir = values.out ? resolve(io.cwd, values.out) : dirname(resultPath);
    const report = { result, verdict, suiteName: result.meta.suite, generatedAt: new Date().toISOString(), reportDir: dir };
    await writeAndPrint(io, report, renderAll(report, formats), values['no-color']);
    writeTrustReason(io, 'report', verdict);
    return verdictExitCode(verdict);
  },
};
