/**
 * Prometheus rule files from a monitoring plan: per SLO, Sloth's recording rules (`slo:sli_error:ratio_rate5m` …
 * `slo:sli_error:ratio_rate<period>`, `slo:objective:ratio`, `slo:error_budget:ratio`, burn rates, remaining
 * budget, `sloth_slo_info`) and its multi-window, multi-burn-rate page and ticket alerts, so dashboards built for
 * Sloth (Grafana 14348) work unchanged; plus threshold alerts. And a `promtool test rules` file that burns each
 * SLO at 15× (the page alert fires) and at 0.5× (nothing fires). Pure: strings out.
 * https://sre.google/workbook/alerting-on-slos/ · https://sloth.dev
 */
import { stringify } from 'yaml';
import { ALERT_WINDOWS, SLI_WINDOWS, burnFactor, errorRatioExpr, renderSelector, type MonitoringPlan, type Selector, type Slo } from './slo.js';

const SEVERITY = { page: 'critical', ticket: 'warning' } as const;

function num(n: number): string {
  return String(Number(n.toPrecision(12)));
}

function sloLabels(plan: MonitoringPlan, slo: Slo): Record<string, string> {
  return { sloth_id: slo.id, sloth_service: plan.service, sloth_slo: slo.name };
}

function sloMatch(plan: MonitoringPlan, slo: Slo): string {
  return `{sloth_id="${slo.id}", sloth_service="${plan.service}", sloth_slo="${slo.name}"}`;
}

function budget(slo: Slo): number {
  return Number((1 - slo.objective).toPrecision(12));
}

/** Alert annotations: plain text (no templates), so `promtool test rules` can state them exactly. */
function burnAnnotations(plan: MonitoringPlan, slo: Slo, severity: 'page' | 'ticket'): Record<string, string> {
  return {
    title: `(${severity}) ${plan.service} ${slo.name} SLO error budget burn rate is too fast.`,
    summary: `${plan.service} ${slo.name}: ${slo.description}; error budget burn rate is over expected (from ${slo.checkId}).`,
  };
}

function burnAlertExpr(plan: MonitoringPlan, slo: Slo, severity: 'page' | 'ticket'): string {
  const m = sloMatch(plan, slo);
  const b = num(budget(slo));
  const pair = (w: (typeof ALERT_WINDOWS)[number]) => {
    const f = burnFactor(w.budgetPct, w.long, plan.periodDays);
    return `(\n    (slo:sli_error:ratio_rate${w.short}${m} > (${f} * ${b}))\n    and ignoring (sloth_window)\n    (slo:sli_error:ratio_rate${w.long}${m} > (${f} * ${b}))\n)`;
  };
  return ALERT_WINDOWS.filter((w) => w.severity === severity).map(pair).join('\nor ignoring (sloth_window)\n');
}

export interface RuleGroup {
  name: string;
  rules: Array<Record<string, unknown>>;
}

export function ruleGroups(plan: MonitoringPlan): RuleGroup[] {
  const groups: RuleGroup[] = [];
  const period = `${plan.periodDays}d`;
  for (const slo of plan.slos) {
    const labels = sloLabels(plan, slo);
    const m = sloMatch(plan, slo);
    groups.push({
      name: `sloth-slo-sli-recordings-${slo.id}`,
      rules: [
        ...SLI_WINDOWS.map((w) => ({ record: `slo:sli_error:ratio_rate${w}`, expr: errorRatioExpr(slo, w), labels: { ...labels, sloth_window: w } })),
        {
          record: `slo:sli_error:ratio_rate${period}`,
          expr: `sum_over_time(slo:sli_error:ratio_rate5m${m}[${period}])\n/ ignoring (sloth_window)\ncount_over_time(slo:sli_error:ratio_rate5m${m}[${period}])`,
          labels: { ...labels, sloth_window: period },
        },
      ],
    });
    groups.push({
      name: `sloth-slo-meta-recordings-${slo.id}`,
      rules: [
        { record: 'slo:objective:ratio', expr: `vector(${num(slo.objective)})`, labels },
        { record: 'slo:error_budget:ratio', expr: `vector(1-${num(slo.objective)})`, labels },
        { record: 'slo:time_period:days', expr: `vector(${plan.periodDays})`, labels },
        { record: 'slo:current_burn_rate:ratio', expr: `slo:sli_error:ratio_rate5m${m}\n/ on(sloth_id, sloth_slo, sloth_service) group_left\nslo:error_budget:ratio${m}`, labels },
        { record: 'slo:period_burn_rate:ratio', expr: `slo:sli_error:ratio_rate${period}${m}\n/ on(sloth_id, sloth_slo, sloth_service) group_left\nslo:error_budget:ratio${m}`, labels },
        { record: 'slo:period_error_budget_remaining:ratio', expr: `1 - slo:period_burn_rate:ratio${m}`, labels },
        { record: 'sloth_slo_info', expr: 'vector(1)', labels: { ...labels, sloth_mode: 'loadgate', sloth_objective: num(slo.objective * 100), sloth_spec: 'prometheus/v1', loadgate_check: slo.checkId } },
      ],
    });
    groups.push({
      name: `sloth-slo-alerts-${slo.id}`,
      rules: (['page', 'ticket'] as const).map((severity) => ({
        alert: slo.alert,
        expr: burnAlertExpr(plan, slo, severity),
        labels: { sloth_severity: severity, severity: SEVERITY[severity], loadgate_check: slo.checkId },
        annotations: burnAnnotations(plan, slo, severity),
      })),
    });
  }
  if (plan.thresholds.length > 0) {
    groups.push({
      name: `loadgate-threshold-alerts-${plan.service}`,
      rules: plan.thresholds.map((t) => ({
        alert: t.alert,
        expr: t.expr,
        ...(t.forDuration !== '0m' ? { for: t.forDuration } : {}),
        labels: { severity: SEVERITY[t.severity], loadgate_severity: t.severity, loadgate_service: plan.service, loadgate_check: t.checkId },
        annotations: { summary: t.summary },
      })),
    });
  }
  return groups;
}

/** What the rules do and do not cover, one line each: the file header and the command's output. */
export function planSummary(plan: MonitoringPlan): string[] {
  const lines: string[] = [];
  const factors = ALERT_WINDOWS.map((w) => `${w.severity} ${burnFactor(w.budgetPct, w.long, plan.periodDays)}× over ${w.long} and ${w.short}`).join(', ');
  lines.push(`service ${plan.service}, SLO period ${plan.periodDays}d; burn-rate alerts: ${factors}`);
  for (const s of plan.slos) lines.push(`SLO ${s.name} (${s.checkId}): ${s.description}, objective ${num(s.objective * 100)}%, alert ${s.alert}`);
  for (const t of plan.thresholds) lines.push(`threshold alert ${t.alert} (${t.checkId}, ${t.severity}): ${t.summary}`);
  for (const u of plan.unconverted) lines.push(`not a burn-rate alert: ${u.checkId}: ${u.reason}`);
  for (const n of plan.notes) lines.push(`note: ${n}`);
  return lines;
}

export function renderRules(plan: MonitoringPlan): string {
  const header = ['# Generated by `loadgate prometheus rules` from the suite\'s SLA. Regenerate, do not edit.', ...planSummary(plan).map((l) => `# ${l}`)].join('\n');
  return `${header}\n${stringify({ groups: ruleGroups(plan) }, { lineWidth: 0 })}`;
}

// ---- promtool test rules ----

/** Long enough for the 1 h page window to fill; rule evaluation every 5 m keeps promtool fast. */
const TEST_MINUTES = 70;
const EVAL_AT = '65m';
const TOTAL_PER_MINUTE = 10_000;

function seriesText(s: Selector, extra: Record<string, string> = {}): string | undefined {
  const raw = s.raw.filter((r) => !r.startsWith('le=~'));
  if (raw.length > 0) return undefined;
  return renderSelector({ name: s.name, eq: { ...s.eq, ...extra }, raw: [] });
}

/** Input series burning the SLO's budget at `burn`× for TEST_MINUTES, or undefined when its selectors are not plain equality. */
function burnSeries(slo: Slo, burn: number): Array<{ series: string; values: string }> | undefined {
  const bad = TOTAL_PER_MINUTE * burn * budget(slo);
  if (slo.sli.kind === 'ratio') {
    const e = seriesText(slo.sli.errors);
    const t = seriesText(slo.sli.total);
    if (e === undefined || t === undefined || e === t) return undefined;
    return [
      { series: e, values: `0+${num(bad)}x${TEST_MINUTES}` },
      { series: t, values: `0+${TOTAL_PER_MINUTE}x${TEST_MINUTES}` },
    ];
  }
  const g = seriesText(slo.sli.good, { le: slo.sli.le });
  const t = seriesText(slo.sli.total);
  if (g === undefined || t === undefined) return undefined;
  return [
    { series: g, values: `0+${num(TOTAL_PER_MINUTE - bad)}x${TEST_MINUTES}` },
    { series: t, values: `0+${TOTAL_PER_MINUTE}x${TEST_MINUTES}` },
  ];
}

function recordingLabels(plan: MonitoringPlan, slo: Slo, window: string): Record<string, string> {
  return { ...sloLabels(plan, slo), sloth_window: window };
}

export interface RulesTest {
  text: string;
  /** SLOs left out of the test (selectors with regex matchers cannot be turned into input series). */
  skipped: string[];
}

/**
 * A `promtool test rules` file: for every SLO, series burning at 15× must fire its page (and ticket) alert, and
 * series at 0.5× must fire nothing, at every evaluation time checked.
 */
export function renderRulesTest(plan: MonitoringPlan, rulesFile: string, opts: { hotBurn?: number } = {}): RulesTest {
  const tests: unknown[] = [];
  const skipped: string[] = [];
  const at = EVAL_AT;
  for (const slo of plan.slos) {
    const hotBurn = opts.hotBurn ?? 15;
    const hot = burnSeries(slo, hotBurn);
    const cold = burnSeries(slo, 0.5);
    if (hot === undefined || cold === undefined) {
      skipped.push(slo.checkId);
      continue;
    }
    const expected = (severity: 'page' | 'ticket', window: string) => ({
      exp_labels: { alertname: slo.alert, ...recordingLabels(plan, slo, window), sloth_severity: severity, severity: SEVERITY[severity], loadgate_check: slo.checkId },
      exp_annotations: burnAnnotations(plan, slo, severity),
    });
    tests.push({
      name: `${slo.id}: a ${hotBurn}x burn pages`,
      interval: '1m',
      input_series: hot,
      alert_rule_test: [{ eval_time: at, alertname: slo.alert, exp_alerts: [expected('page', ALERT_WINDOWS[0].short), expected('ticket', ALERT_WINDOWS[2].short)] }],
      promql_expr_test: [
        {
          expr: `round(slo:current_burn_rate:ratio${sloMatch(plan, slo)})`,
          eval_time: at,
          exp_samples: [{ labels: labelText(recordingLabels(plan, slo, '5m')), value: hotBurn }],
        },
      ],
    });
    tests.push({
      name: `${slo.id}: a 0.5x burn fires nothing`,
      interval: '1m',
      input_series: cold,
      alert_rule_test: ['10m', '30m', at].map((t) => ({ eval_time: t, alertname: slo.alert, exp_alerts: [] })),
    });
  }
  const header = `# Generated by \`loadgate prometheus rules\`: run \`promtool test rules ${basenameOf(rulesFile).replace(/\.ya?ml$/, '')}.test.yml\`.\n`;
  return { text: header + stringify({ rule_files: [basenameOf(rulesFile)], evaluation_interval: '5m', tests }, { lineWidth: 0 }), skipped };
}

function labelText(l: Record<string, string>): string {
  return `{${Object.entries(l)
    .map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`)
    .join(', ')}}`;
}

function basenameOf(p: string): string {
  return p.replace(/^.*[\\/]/, '');
}
