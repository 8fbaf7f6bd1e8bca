/** `loadgate grafana dashboard <suite>`: a Grafana dashboard JSON for the suite's metrics and SLOs. */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { EXIT } from '../errors.js';
import { loadSuite } from '../suite/load.js';
import { monitoringPlan } from '../monitoring/slo.js';
import { buildDashboard, renderDashboard } from '../monitoring/dashboard.js';
import { planForSuite } from './shared.js';
import { parseCommandArgs, type Command } from './types.js';

const USAGE = `Usage: loadgate grafana dashboard <suite.yaml> [--out file]

Writes a Grafana dashboard (JSON model; import it, or provision it) for the metrics the suite's \`monitoring\`
block names (default: what \`run --prometheus-push\` pushes): per endpoint p50/p95/p99 from the latency
histograms, error rate by class, throughput, the last run's SLA checks, SLO burn rates and remaining error
budget (from \`loadgate prometheus rules\`), WebSocket latency, loss and reconnects.

Options:
  --out <file>      output file (default grafana/<service>.dashboard.json)
  -h, --help        this help`;

export const grafanaCommand: Command = {
  name: 'grafana',
  usage: USAGE,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('grafana', argv, { out: { type: 'string' } });
    if (values.help) {
      io.stdout.write(`${USAGE}\n`);
      return EXIT.ok;
    }
    const [sub, file, ...extra] = positionals;
    if (sub !== 'dashboard' || file === undefined || extra.length > 0) {
      io.stderr.write(`loadgate grafana: expected \`dashboard <suite.yaml>\`\n\n${USAGE}\n`);
      return EXIT.invalidInput;
    }
    const suite = await loadSuite(resolve(io.cwd, file));
    const plan = monitoringPlan(suite, planForSuite(suite).checks);
    const dashboard = buildDashboard(suite, plan);
    const out = resolve(io.cwd, values.out ?? `grafana/${plan.service}.dashboard.json`);
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, renderDashboard(dashboard));
    io.stdout.write(`wrote ${relative(io.cwd, out) || out}: ${dashboard.panels.length} panels, ${dashboard.panels.reduce((n, p) => n + p.targets.length, 0)} queries\n`);
    return EXIT.ok;
  },
};
