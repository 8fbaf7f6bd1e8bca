import { join, resolve } from 'node:path';
import { EXIT, InputError } from '../errors.js';
import { compare, renderCompareHtmlSection, renderCompareJson, renderCompareMarkdown } from '../compare/index.js';
import { readSide, refuseUntrustworthy } from './shared.js';
import { expandRepeats } from './compare.js';
import { loadSuite } from '../suite/load.js';
import { runSuite, plannedDurationSec } from '../run.js';
import { evaluate } from '../sla/evaluate.js';
import { renderAll, createProgress, reportDirFor, writeReportFiles } from '../report/index.js';
import { mergeResults } from '../result/merge.js';
import type { RunResult } from '../result/model.js';

/** Most runs `--repeat` accepts (each is a full run of the suite). */
const MAX_REPEAT = 50;
import { parseCommandArgs, type Command } from './types.js';
import { addToHistory } from '../history/store.js';
import { comparisonAnnotations, publishToGithub } from '../report/github.js';
import { acceptsUntrustworthy, checkOutDir, detectGitCommit, parseFormats, planForSuite, verdictExitCode, writeAndPrint, writeTrustReason } from './shared.js';
import { startRunPush } from '../monitoring/run-push.js';
import { assertLiveOrdersAllowed } from '../safety.js';
import { planRateCap } from '../rate-cap.js';
import { dryRunPlan, renderDryRun } from '../plan-print.js';

export const runCommand: Command = {
  name: 'run',
  usage: `Usage: loadgate run <suite.yaml> [options]

Runs every workload of the suite against its target (the built-in mock or a real URL), evaluates the SLA,
prints a summary and writes reports to reports/<suite>/<timestamp>/.

Options:
  --engine <name>     run HTTP workloads on this engine (autocannon | closed | open | k6)
  --out <dir>         report directory (default reports/<suite>/<timestamp>)
  --format <list>     report formats, comma-separated: json,md,html,junit,prom (default json,md,html,junit)
  --label <text>      a label stored in the result (e.g. "nightly", "rc-2")
  --seed <n>          seed for the mix and order sizes (default 1)
  --repeat <n>        run the suite n times one after another (1–${MAX_REPEAT}): each run in repeat-1/ … repeat-n/,
                      their merge (every sample; SLA evaluated on it) in the report directory itself;
                      \`loadgate compare\` given that directory tests across the runs
  --baseline <path>   compare this run with a baseline result (file or folder of runs): the comparison is
                      added to report.html and report.md, and written as compare.md / compare.json
  --fail-on <what>    regression | none (default none): with --baseline, exit 1 on a significant regression
  --history <dir>     also add the run to this history folder (index.json + runs/), for \`loadgate trend\`
  --prometheus-push <url>  push the run's metrics to this Pushgateway (grouped by job, suite and label):
                      zeros when the run starts, the run's metrics once the reports are written
  --prometheus-job <name>  the Pushgateway job (default loadgate)
  --accept-untrustworthy  let the SLA checks decide even when the run is untrustworthy (saturated generator,
                      arrivals sent late); an incomplete run is never accepted. Also LOADGATE_ACCEPT_UNTRUSTWORTHY=1
  --live              with \`target.allowLiveOrders: true\` in the suite, let workloads that create or cancel
                      orders run against a target that is not loopback (refused otherwise, exit 2)
  --dry-run           print the plan (per workload: engine, each operation's method and path, rate or
                      connections, duration, requests and orders expected, whether live orders would be
                      refused) and exit 0 without sending anything or writing a report
  --no-color          plain output even on a terminal
  -h, --help          this help

Exit codes: 0 all SLA checks pass, 1 an SLA check failed, 2 invalid input, 3 the run could not complete
(target unreachable, engine missing or crashed, interrupted, measured nothing, target lost, or untrustworthy:
reports are still written).`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('run', argv, {
      engine: { type: 'string' },
      out: { type: 'string' },
      format: { type: 'string' },
      label: { type: 'string' },
      seed: { type: 'string' },
      repeat: { type: 'string' },
      baseline: { type: 'string' },
      'fail-on': { type: 'string' },
      history: { type: 'string' },
      'no-color': { type: 'boolean' },
      'prometheus-push': { type: 'string' },
      'prometheus-job': { type: 'string' },
      'accept-untrustworthy': { type: 'boolean' },
      live: { type: 'boolean' },
      'dry-run': { type: 'boolean' },
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
    const failOn = values['fail-on'] ?? 'none';
    if (failOn !== 'regression' && failOn !== 'none') throw new InputError('LG_ARGS', `loadgate run: --fail-on: expected regression or none, got "${failOn}"`);
    if (failOn === 'regression' && !values.baseline) throw new InputError('LG_ARGS', 'loadgate run: --fail-on regression needs --baseline <result.json>');
    // Read the baseline before spending minutes on the run, so a wrong path fails fast (exit 2).
    const baseline = values.baseline ? await readSide('baseline', await expandRepeats([values.baseline], io.cwd), io.cwd) : undefined;
    const seed = values.seed === undefined ? 1 : Number(values.seed);
    if (!Number.isInteger(seed)) {
      io.stderr.write(`loadgate run: --seed: expected an integer, got ${JSON.stringify(values.seed)}\n`);
      return EXIT.invalidInput;
    }
    const repeat = values.repeat === undefined ? 1 : Number(values.repeat);
    if (!Number.isInteger(repeat) || repeat < 1 || repeat > MAX_REPEAT) {
      throw new InputError('LG_ARGS', `loadgate run: --repeat: expected an integer from 1 to ${MAX_REPEAT}, got ${JSON.stringify(values.repeat)}`);
    }
    const suite = await loadSuite(resolve(io.cwd, file), io.env);
    if (values['dry-run']) {
      io.stdout.write(renderDryRun(dryRunPlan(suite, { live: values.live, engine: values.engine, k6Scenario: io.env.LOADGATE_K6_SCENARIO })));
      return EXIT.ok;
    }
    // Before the report folder, the Pushgateway or the target is touched (runSuite checks again for library callers).
    assertLiveOrdersAllowed(suite, { live: values.live, engine: values.engine, k6Scenario: io.env.LOADGATE_K6_SCENARIO });
    for (const note of planRateCap(suite, { engine: values.engine, k6Scenario: io.env.LOADGATE_K6_SCENARIO }).notes) io.stderr.write(`loadgate: ${note}\n`);
    await checkOutDir(values.out ? resolve(io.cwd, values.out) : resolve(io.cwd, 'reports'), values.out ? '--out' : 'reports/');
    const plan = planForSuite(suite);
    const push = values['prometheus-push'] !== undefined ? await startRunPush(io, values['prometheus-push'], values['prometheus-job'] ?? 'loadgate', suite, plan, values.label) : undefined;
    const progress = createProgress({ tty: io.stderr.isTTY === true, write: (s) => io.stderr.write(s), now: () => Date.now(), width: io.stderr.columns ?? 80 });
    io.stderr.write(`loadgate: running ${suite.name} (${suite.workloads.length} workload${suite.workloads.length > 1 ? 's' : ''}, ~${Math.ceil(plannedDurationSec(suite))} s) against ${suite.target.mock !== undefined ? 'the built-in mock exchange' : suite.target.url}\n`);
    const gitCommit = detectGitCommit(io.env, io.cwd);
    const repeats: RunResult[] = [];
    for (let i = 1; i <= repeat; i++) {
      if (repeat > 1) io.stderr.write(`loadgate: repeat ${i} of ${repeat}\n`);
      repeats.push(
        await runSuite({
          suite,
          env: io.env,
          signal: io.signal,
          progress: (p) => progress.update(p),
          seed,
          ...(values.engine ? { engine: values.engine } : {}),
          ...(values.live ? { live: true } : {}),
          ...(values.label ? { label: values.label } : {}),
          ...(gitCommit ? { gitCommit } : {}),
        }),
      );
      progress.done();
      // An interrupted or failed run ends the repeats: what was measured is reported, and exits 3.
      if (repeats.at(-1)!.meta.incomplete || io.signal?.aborted) break;
    }
    const result = repeats.length === 1 ? repeats[0]! : mergeResults(repeats, repeats.map((_, i) => `repeat-${i + 1}/result.json`));
    const verdict = evaluate(plan, result, acceptsUntrustworthy(io, values['accept-untrustworthy']));
    const dir = values.out ? resolve(io.cwd, values.out) : reportDirFor(resolve(io.cwd, 'reports'), result.meta.suite, result.meta.startedAt);
    if (repeat > 1) {
      for (const [i, r] of repeats.entries()) {
        const sub = join(dir, `repeat-${i + 1}`);
        const rr = { result: r, verdict: evaluate(plan, r, acceptsUntrustworthy(io, values['accept-untrustworthy'])), suiteName: r.meta.suite, generatedAt: new Date().toISOString(), reportDir: sub };
        await writeReportFiles(sub, { 'result.json': `${JSON.stringify(r)}\n`, ...renderAll(rr, formats) });
      }
      io.stderr.write(`loadgate: ${repeats.length} runs in ${join(dir, 'repeat-*')}; their merge below\n`);
    }
    const report = { result, verdict, suiteName: result.meta.suite, generatedAt: new Date().toISOString(), reportDir: dir };
    const comparison = baseline ? compare(baseline.results, repeats) : undefined;
    const files: Record<string, string> = {
      'result.json': `${JSON.stringify(result)}\n`,
      ...renderAll(report, formats, comparison ? { htmlExtraSections: [renderCompareHtmlSection(comparison)] } : {}),
    };
    if (comparison) {
      const md = renderCompareMarkdown(comparison);
      files['compare.md'] = md;
      files['compare.json'] = renderCompareJson(comparison);
      if (files['report.md'] !== undefined) files['report.md'] += `\n## Compared with ${baseline!.files.join(', ')}\n\n${md}`;
    }
    await writeAndPrint(io, report, files, values['no-color']);
    if (values.history) io.stderr.write(`added to history ${values.history} as ${(await addToHistory(resolve(io.cwd, values.history), result, verdict.status === 'pass' ? 'pass' : 'fail')).id}\n`);
    await push?.finish(report);
    if (comparison) io.stdout.write(`\nCompared with the baseline: ${comparison.verdict} (${comparison.counts.regressed} regressed, ${comparison.counts.improved} improved); see compare.md\n`);
    if (comparison && failOn === 'regression') await publishToGithub(io, '', comparisonAnnotations(comparison));
    // An interrupted, empty, target-lost or untrustworthy run (Ctrl-C, a CI timeout's SIGTERM, a saturated
    // generator) must never read as a pass: exit 3, and every report says why.
    writeTrustReason(io, 'run', verdict);
    const code = verdictExitCode(verdict);
    if (code !== EXIT.ok) return code;
    if (failOn === 'regression') {
      if (comparison!.counts.regressed > 0) return EXIT.breach;
      if (refuseUntrustworthy(io, 'run', [baseline!, { results: [result], files: [`${dir}/result.json`] }])) return EXIT.runFailed;
    }
    return EXIT.ok;
  },
};
