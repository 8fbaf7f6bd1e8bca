import { resolve } from 'node:path';
import { EXIT } from '../errors.js';
import { loadSuite } from '../suite/load.js';
import { runSuite, plannedDurationSec } from '../run.js';
import { evaluate } from '../sla/evaluate.js';
import { renderAll, createProgress, reportDirFor } from '../report/index.js';
import { parseCommandArgs, type Command } from './types.js';
import { detectGitCommit, parseFormats, planForSuite, writeAndPrint } from './shared.js';

export const runCommand: Command = {
  name: 'run',
  summary: 'run a suite, check its SLA, write reports',
  usage: `Usage: loadgate run <suite.yaml> [options]

Runs every workload of the suite against its target (the built-in mock or a real URL), evaluates the SLA,
prints a summary and writes reports to reports/<suite>/<timestamp>/.

Options:
  --engine <name>     run HTTP workloads on this engine (autocannon | open | k6)
  --out <dir>         report directory (default reports/<suite>/<timestamp>)
  --format <list>     report formats, comma-separated: json,md,html,junit,prom (default json,md,html,junit)
  --label <text>      a label stored in the result (e.g. "nightly", "rc-2")
  --seed <n>          seed for the mix and order sizes (default 1)
  --no-color          plain output even on a terminal
  -h, --help          this help

Exit codes: 0 all SLA checks pass, 1 an SLA check failed, 2 invalid input, 3 the run could not complete
(target unreachable, engine missing or crashed, or interrupted: reports are still written).`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('run', argv, {
      engine: { type: 'string' },
      out: { type: 'string' },
      format: { type: 'string' },
      label: { type: 'string' },
      seed: { type: 'string' },
      'no-color': { type: 'boolean' },
    });
    if (values.help) {
      io.stdout.write(`${this.usage}\n`);
      return EXIT.ok;
    }
    const file = positionals[0];
    if (!file || positionals.length > 1) {
      io.stderr.write(`loadgate run: expected one suite file\n\n${this.usage}\n`);
      return EXIT.invalidInput;
    }
    const formats = parseFormats(values.format);
    const seed = values.seed === undefined ? 1 : Number(values.seed);
    if (!Number.isInteger(seed)) {
      io.stderr.write(`loadgate run: --seed: expected an integer, got ${JSON.stringify(values.seed)}\n`);
      return EXIT.invalidInput;
    }
    const suite = await loadSuite(resolve(io.cwd, file));
    const plan = planForSuite(suite);
    const progress = createProgress({ tty: io.stderr.isTTY === true, write: (s) => io.stderr.write(s), now: () => Date.now() });
    io.stderr.write(`loadgate: running ${suite.name} (${suite.workloads.length} workload${suite.workloads.length > 1 ? 's' : ''}, ~${Math.ceil(plannedDurationSec(suite))} s) against ${suite.target.mock !== undefined ? 'the built-in mock exchange' : suite.target.url}\n`);
    const gitCommit = detectGitCommit(io.env, io.cwd);
    const result = await runSuite({
      suite,
      env: io.env,
      signal: io.signal,
      progress: (p) => progress.update(p),
      seed,
      ...(values.engine ? { engine: values.engine } : {}),
      ...(values.label ? { label: values.label } : {}),
      ...(gitCommit ? { gitCommit } : {}),
    });
    progress.done();
    const verdict = evaluate(plan, result);
    const dir = values.out ? resolve(io.cwd, values.out) : reportDirFor(resolve(io.cwd, 'reports'), result.meta.suite, result.meta.startedAt);
    const report = { result, verdict, suiteName: result.meta.suite, generatedAt: new Date().toISOString(), reportDir: dir };
    const files = { 'result.json': `${JSON.stringify(result)}\n`, ...renderAll(report, formats) };
    await writeAndPrint(io, report, files, values['no-color']);
    if (result.meta.incomplete) {
      // An interrupted run (Ctrl-C, a CI timeout's SIGTERM, a killed k6) must never read as a pass.
      io.stderr.write(`loadgate run: the run did not complete (${result.meta.incomplete.reason}); the reports hold what was measured\n`);
      return EXIT.runFailed;
    }
    return verdict.status === 'pass' ? EXIT.ok : EXIT.breach;
  },
};
