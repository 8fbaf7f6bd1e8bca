/**
 * `loadgate prometheus rules <suite>`: Prometheus rule files (SLO recording rules, burn-rate and threshold alerts)
 * and their `promtool test rules` file, from the suite's SLA.
 * `loadgate prometheus push <result.json> --url <pushgateway>`: push a saved result to a Pushgateway.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { EXIT, InputError } from '../errors.js';
import { loadSuite } from '../suite/load.js';
import { monitoringPlan } from '../monitoring/slo.js';
import { planSummary, renderRules, renderRulesTest } from '../monitoring/rules.js';
import { parsePushUrl, pushMetrics, pushUrl, runPushTarget, PushError } from '../monitoring/push.js';
import { evaluate } from '../sla/evaluate.js';
import { renderPrometheus } from '../report/prometheus.js';
import { planForResult, planForSuite, readResultFile } from './shared.js';
import type { SlaSpec } from '../suite/schema.js';
import { parseCommandArgs, type Command } from './types.js';

const USAGE = `Usage:
  loadgate prometheus rules <suite.yaml> [--out dir] [--period 30d]
  loadgate prometheus push <result.json> --url <pushgateway> [--job loadgate]

rules  writes <service>.rules.yml: each availability, error-rate, success-rate, loss and latency target of the
       SLA becomes an SLO with Sloth's recording rules (slo:sli_error:ratio_rate5m …, slo:objective:ratio,
       slo:error_budget:ratio; labels sloth_service, sloth_slo, sloth_id, sloth_window) and multi-window,
       multi-burn-rate alerts (page: 14.4x over 1h and 5m, or 6x over 6h and 30m; ticket: 3x over 1d and 2h,
       or 1x over 3d and 6h, for a 30-day period); errorsPerMinute targets become threshold alerts. Prints
       which targets cannot become burn-rate alerts, and why. Also writes <service>.rules.test.yml for
       \`promtool test rules\` (a 15x burn pages, a 0.5x burn fires nothing). The queries read the suite's
       \`monitoring\` block (production metrics), by default the metrics \`run --prometheus-push\` pushes.
push   pushes a saved result's metrics (as in metrics.prom) to a Pushgateway, grouped by job, suite and label.

Options:
  --out <dir>       output directory for rules (default prometheus/)
  --period <Nd>     SLO period (default monitoring.sloPeriod, else 30d)
  --url <url>       the Pushgateway (push)
  --job <name>      the Pushgateway job (push; default loadgate)
  -h, --help        this help`;

export const prometheusCommand: Command = {
  name: 'prometheus',
  usage: USAGE,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('prometheus', argv, {
      out: { type: 'string' },
      period: { type: 'string' },
      url: { type: 'string' },
      job: { type: 'string' },
    });
    if (values.help) {
      io.stdout.write(`${USAGE}\n`);
      return EXIT.ok;
    }
    const [sub, file, ...extra] = positionals;
    if ((sub !== 'rules' && sub !== 'push') || file === undefined || extra.length > 0) {
      io.stderr.write(`loadgate prometheus: expected \`rules <suite.yaml>\` or \`push <result.json> --url <pushgateway>\`\n\n${USAGE}\n`);
      return EXIT.invalidInput;
    }
    if (sub === 'push') {
      if (values.url === undefined) throw new InputError('LG_ARGS', 'loadgate prometheus push: --url <pushgateway> is required');
      const base = parsePushUrl(values.url, '--url').toString();
      const result = await readResultFile(resolve(io.cwd, file));
      const verdict = evaluate(planForResult(result, result.meta.sla as SlaSpec | undefined), result);
      const target = runPushTarget(base, values.job ?? 'loadgate', result.meta.suite, result.meta.label);
      try {
        await pushMetrics(target, renderPrometheus({ result, verdict, suiteName: result.meta.suite, generatedAt: new Date().toISOString() }));
      } catch (e) {
        if (!(e instanceof PushError)) throw e;
        io.stderr.write(`loadgate prometheus push: ${e.message}\n`);
        return EXIT.runFailed;
      }
      io.stdout.write(`pushed ${file} to ${pushUrl(target)}\n`);
      return EXIT.ok;
    }
    let periodDays: number | undefined;
    if (values.period !== undefined) {
      const m = /^([1-9][0-9]*)d$/.exec(values.period);
      if (!m) throw new InputError('LG_ARGS', `--period: expected a number of days such as 30d, got ${JSON.stringify(values.period)}`);
      periodDays = Number(m[1]);
    }
    const suite = await loadSuite(resolve(io.cwd, file));
    const plan = monitoringPlan(suite, planForSuite(suite).checks, periodDays !== undefined ? { periodDays } : {});
    const out = resolve(io.cwd, values.out ?? 'prometheus');
    await mkdir(out, { recursive: true });
    const rulesFile = join(out, `${plan.service}.rules.yml`);
    const testFile = join(out, `${plan.service}.rules.test.yml`);
    const test = renderRulesTest(plan, rulesFile);
    await writeFile(rulesFile, renderRules(plan));
    await writeFile(testFile, test.text);
    const shown = (p: string) => relative(io.cwd, p) || p;
    io.stdout.write(`${planSummary(plan).join('\n')}\n`);
    if (test.skipped.length > 0) io.stdout.write(`note: left out of the rules test (their selectors are not plain label equality): ${test.skipped.join(', ')}\n`);
    io.stdout.write(`wrote ${shown(rulesFile)} (${plan.slos.length} SLOs, ${plan.thresholds.length} threshold alerts) and ${shown(testFile)}\ncheck them: promtool check rules ${shown(rulesFile)} && promtool test rules ${shown(testFile)}\n`);
    return EXIT.ok;
  },
};
