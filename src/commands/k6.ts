/**
 * `loadgate k6 build <suite>`: bundle the scenarios and write each k6 workload's config, to run k6 by hand.
 * `loadgate k6 operator <suite> --parallelism N`: k6-operator manifests for a distributed run.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { EXIT, InputError } from '../errors.js';
import { loadSuite } from '../suite/load.js';
import { targetDialect, type Suite, type Workload } from '../suite/schema.js';
import type { DialectName } from '../dialect/registry.js';
import { buildScenarios } from '../engines/k6/build.js';
import { buildK6Config, scenarioFor } from '../engines/k6/config.js';
import { DEFAULT_K6_IMAGE, k8sName, operatorManifests } from '../engines/k6/operator.js';
import { parseCommandArgs, type Command } from './types.js';
import { assertLiveOrdersAllowed } from '../safety.js';
import { planRateCap } from '../rate-cap.js';

const USAGE = `Usage:
  loadgate k6 build <suite.yaml> [--out dir] [--target-url url] [--ws-url url]
  loadgate k6 operator <suite.yaml> --parallelism N [--out dir] [--workload name] [--namespace ns] [--target-url url] [--image img]

build     bundles scenarios/*.ts into plain ES2017 modules (k6 0.48 through 1.x; k6/* imports left external) and
          writes <workload>.config.json per workload. Run one with:
            LOADGATE_CONFIG=<dir>/<workload>.config.json k6 run <dir>/<scenario>.js
operator  writes a k6-operator TestRun, a ConfigMap with the bundled script and config, and a results PVC:
          every runner writes /results/<pod>.ndjson; collect them and run
            loadgate merge results/*.ndjson --sla <suite.yaml>
          for one exact verdict (see src/engines/k6/README.md for the whole flow).

Options:
  --out <dir>           output directory (default scenarios/dist for build, k6-operator/ for operator)
  --parallelism <n>     number of k6 runners (operator)
  --workload <name>     the workload to distribute (default: the first HTTP workload)
  --namespace <ns>      Kubernetes namespace for the manifests
  --image <image>       k6 runner image (default ${DEFAULT_K6_IMAGE}; k6 0.48 through 1.x run the bundles)
  --target-url <url>    target base URL (required when the suite targets the built-in mock)
  --ws-url <url>        WebSocket URL (default: target URL with ws:// and /ws)
  --live                with \`target.allowLiveOrders: true\`, write workloads that create or cancel orders
                        against a target that is not loopback (refused otherwise, exit 2)
  -h, --help            this help`;

function target(suite: Suite, url: string | undefined, wsUrl: string | undefined, what: string): { baseUrl: string; wsUrl: string; timeoutMs: number; dialect: DialectName } {
  const base = url ?? suite.target.url;
  if (base === undefined) {
    throw new InputError('LG_ARGS', `loadgate k6 ${what}: the suite targets the built-in mock, which k6 ${what === 'operator' ? 'runners in a cluster' : 'run by hand'} cannot reach`, {
      hint: 'pass --target-url http://host:port (e.g. a mock started with `loadgate mock`)',
    });
  }
  const ws = wsUrl ?? suite.target.wsUrl ?? `${base.replace(/^http/, 'ws').replace(/\/+$/, '')}/ws`;
  return { baseUrl: base.replace(/\/+$/, ''), wsUrl: ws, timeoutMs: suite.target.timeoutMs, dialect: targetDialect(suite.target) };
}

export const k6Command: Command = {
  name: 'k6',
  usage: USAGE,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('k6', argv, {
      out: { type: 'string' },
      parallelism: { type: 'string' },
      workload: { type: 'string' },
      namespace: { type: 'string' },
      'target-url': { type: 'string' },
      'ws-url': { type: 'string' },
      image: { type: 'string' },
      live: { type: 'boolean' },
    });
    if (values.help) {
      io.stdout.write(`${USAGE}\n`);
      return EXIT.ok;
    }
    const [sub, file, ...extra] = positionals;
    if ((sub !== 'build' && sub !== 'operator') || file === undefined || extra.length) {
      throw new InputError('LG_ARGS', `loadgate k6: expected \`k6 build <suite>\` or \`k6 operator <suite> --parallelism N\`, got \`k6 ${positionals.join(' ')}\``, { hint: 'run `loadgate k6 --help`' });
    }
    const loaded = await loadSuite(resolve(io.cwd, file));
    const tgt = target(loaded, values['target-url'], values['ws-url'], sub);
    // The files written here send orders when k6 runs them: the same refusal as \`loadgate run\` (src/safety.ts).
    assertLiveOrdersAllowed(loaded, { targetUrl: tgt.baseUrl, live: values.live, engine: 'k6' });

    if (sub === 'build') {
      // target.maxRatePerSec (src/rate-cap.ts): arrival rates clamped in the configs, closed workloads get K6_RPS.
      const rateCap = planRateCap(loaded, { engine: 'k6' });
      const suite = rateCap.suite;
      for (const n of rateCap.notes) io.stderr.write(`note: ${n}\n`);
      const out = resolve(io.cwd, values.out ?? 'scenarios/dist');
      const bundles = await buildScenarios(out);
      await mkdir(out, { recursive: true });
      const lines: string[] = [];
      for (const w of suite.workloads) {
        const { config, skippedThresholds } = buildK6Config(suite, w, tgt);
        const cfg = join(out, `${w.name}.config.json`);
        await writeFile(cfg, `${JSON.stringify(config, null, 2)}\n`);
        const rps = rateCap.caps.find((c) => c.workload === w.name)?.rateCapPerSec;
        lines.push(`  ${w.name}: ${rps !== undefined ? `K6_RPS=${rps} ` : ''}LOADGATE_CONFIG=${cfg} k6 run ${join(out, `${scenarioFor(w)}.js`)}`);
        if (skippedThresholds.length) io.stderr.write(`note: ${w.name}: not compiled into k6 thresholds, so only \`loadgate run\` / \`merge --sla\` evaluate them: ${skippedThresholds.map((t) => `${t.id} (${t.reason})`).join('; ')}\n`);
      }
      io.stdout.write(`Bundled ${bundles.length} scenarios into ${out}\nRun a workload (keys via LOADGATE_API_KEY / LOADGATE_API_SECRET, + LOADGATE_API_PASSPHRASE for okx-v5):\n${lines.join('\n')}\n`);
      return EXIT.ok;
    }

    const parallelism = Number(values.parallelism);
    if (!Number.isInteger(parallelism) || parallelism < 1) {
      throw new InputError('LG_ARGS', `loadgate k6 operator: --parallelism: expected a positive integer, got ${JSON.stringify(values.parallelism ?? null)}`, { hint: 'e.g. --parallelism 4' });
    }
    const chosen: Workload | undefined = values.workload ? loaded.workloads.find((x) => x.name === values.workload) : loaded.workloads.find((x) => x.load.model !== 'stream') ?? loaded.workloads[0];
    if (chosen === undefined) throw new InputError('LG_ARGS', `loadgate k6 operator: no workload named "${values.workload}"`, { hint: `workloads: ${loaded.workloads.map((x) => x.name).join(', ')}` });
    // The cluster runs this one workload: it gets the whole target.maxRatePerSec, shared by the runners.
    const rateCap = planRateCap({ ...loaded, workloads: [chosen] }, { engine: 'k6' });
    const suite = rateCap.suite;
    const w = suite.workloads[0]!;
    for (const n of rateCap.notes) io.stderr.write(`note: ${n}\n`);
    const rps = rateCap.caps[0]?.rateCapPerSec;
    const rpsPerRunner = rps === undefined ? undefined : Math.floor(rps / parallelism);
    if (rpsPerRunner !== undefined && rpsPerRunner < 1) {
      throw new InputError('LG_RATE_CAP_TOO_LOW', `loadgate k6 operator: target.maxRatePerSec ${suite.target.maxRatePerSec} over ${parallelism} runners is under 1 req/s each for closed workload ${w.name}`, { hint: 'k6 limits whole requests per second per runner: fewer runners, or a higher maxRatePerSec' });
    }
    const scenario = scenarioFor(w);
    const out = resolve(io.cwd, values.out ?? 'k6-operator');
    const [bundle] = await buildScenarios(join(out, 'bundle'), [scenario]);
    const { config } = buildK6Config(suite, w, tgt);
    const name = k8sName(`loadgate-${suite.name ?? 'suite'}-${w.name}`);
    const m = operatorManifests({
      name,
      parallelism,
      bundleJs: await readFile(bundle!.path, 'utf8'),
      configJson: JSON.stringify(config, null, 2),
      ...(values.namespace ? { namespace: values.namespace } : {}),
      image: values.image ?? DEFAULT_K6_IMAGE,
      ...(rpsPerRunner !== undefined ? { rpsPerRunner } : {}),
    });
    await writeFile(join(out, 'configmap.yaml'), m.configMap);
    await writeFile(join(out, 'testrun.yaml'), m.testRun);
    await writeFile(join(out, 'results-pvc.yaml'), m.pvc);
    io.stdout.write(
      [
        `Wrote ${out}/{results-pvc,configmap,testrun}.yaml: ${parallelism} runners of ${scenario} for workload ${w.name}, image ${values.image ?? DEFAULT_K6_IMAGE}${values.image ? '' : ' (the default; --image to choose)'}.`,
        'Run it:',
        `  kubectl apply -f ${out}/results-pvc.yaml -f ${out}/configmap.yaml -f ${out}/testrun.yaml`,
        `  kubectl wait --for=jsonpath='{.status.stage}'=finished testrun/${name} --timeout=1h`,
        `  # copy /results/*.ndjson out of the PVC (e.g. a pod mounting ${name}-results, then kubectl cp), then:`,
        `  loadgate merge results/*.ndjson --sla ${file} --out merged.json`,
      ].join('\n') + '\n',
    );
    return EXIT.ok;
  },
};
