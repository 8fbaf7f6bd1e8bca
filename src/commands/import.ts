/** `loadgate import k6 <file>`: a k6 NDJSON / --summary-export / handleSummary file → a loadgate result.json. */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { EXIT, InputError } from '../errors.js';
import { runResultSchema } from '../result/model.js';
import { formatZodError, loadSuite } from '../suite/load.js';
import { applyRunSemantics } from '../engines/k6/as-run.js';
import { readK6File } from '../engines/k6/files.js';
import { parseCommandArgs, type Command } from './types.js';

export const importCommand: Command = {
  name: 'import',
  usage: `Usage: loadgate import k6 <file> [--out result.json] [--suite suite.yaml] [--k6-version v1.3.0] [--include-setup]

Reads a k6 output file and writes a loadgate result (result.json) that \`report\`, \`merge\` and \`compare\` read.
  - NDJSON (k6 run --out json=<file>, also .gz): exact. HDR histograms are rebuilt from every Point, one
    endpoint per \`name\` tag; every k6 metric and sub-metric is kept under "custom".
  - --summary-export or handleSummary JSON: what the summary has. Percentiles it lacks are listed in the
    result's notes and evaluate to no-data.

Options:
  --out <file>        where to write the result (default: stdout)
  --suite <file>      the suite k6 ran: its warm-up and mix weights (dropped iterations per endpoint), so
                      \`report\` judges the result as \`loadgate run\` does
  --k6-version <v>    the k6 version that wrote the file (k6's outputs do not record it)
  --include-setup     count setup()/teardown() requests in the endpoints (excluded by default)
  -h, --help          this help

Exit codes: 0 written, 2 invalid input.`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('import', argv, { out: { type: 'string' }, suite: { type: 'string' }, 'k6-version': { type: 'string' }, 'include-setup': { type: 'boolean' } });
    if (values.help) {
      io.stdout.write(`${this.usage}\n`);
      return EXIT.ok;
    }
    const [source, file, ...extra] = positionals;
    if (source !== 'k6' || file === undefined || extra.length > 0) {
      throw new InputError('LG_ARGS', `loadgate import: expected \`import k6 <file>\`, got \`import ${positionals.join(' ')}\``, { hint: 'run `loadgate import --help`' });
    }
    const path = resolve(io.cwd, file);
    const suite = values.suite ? await loadSuite(resolve(io.cwd, values.suite)) : undefined;
    const { result, kind } = await readK6File(path, { includeSetup: values['include-setup'] === true, ...(values['k6-version'] ? { k6Version: values['k6-version'] } : {}) });
    applyRunSemantics(result, suite);
    // Validate what we write: a result that does not match the schema is a bug here, not the user's.
    const check = runResultSchema.safeParse(result);
    if (!check.success) throw new Error(`import produced an invalid result:\n${formatZodError(path, check.error)}`);
    const text = `${JSON.stringify(result)}\n`;
    if (values.out) {
      const out = resolve(io.cwd, values.out);
      await writeFile(out, text);
      io.stderr.write(`loadgate import: ${kind} ${file} → ${values.out} (${Object.keys(result.endpoints).length} endpoints, ${Object.keys(result.custom ?? {}).length} k6 metrics)\n`);
    } else io.stdout.write(text);
    for (const n of result.meta.notes) io.stderr.write(`note: ${n}\n`);
    return EXIT.ok;
  },
};
