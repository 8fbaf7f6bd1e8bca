/**
 * The k6 engine: bundles the workload's TypeScript scenario, writes the generated config (target, workload,
 * SLA thresholds) and runs k6 against ctx.target; then ingests k6's NDJSON exactly into loadgate endpoints
 * (HDR histograms per `name` tag, series relative to the run origin). k6 still enforces the compiled
 * thresholds (exit 99) but loadgate's evaluate() gives the verdict.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunError } from '../errors.js';
import type { CustomMetric, EndpointResult } from '../result/model.js';
import type { Engine, EngineContext, EngineOutput, PrepareContext } from './types.js';
import { executorFor, isArrivalRate, plannedSec } from './k6/executors.js';
import { buildK6Config, scenarioFor, type K6ScenarioName } from './k6/config.js';
import { buildScenarios } from './k6/build.js';
import { locateK6 } from './k6/locate.js';
import { k6Version, runK6 } from './k6/run.js';
import { ingestNdjsonFile } from './k6/ingest-ndjson.js';
import { ingestSummary } from './k6/ingest-summary.js';
import { k6ErrorLines } from './k6/stderr.js';
import { attributeDropped, mixWeights } from './k6/as-run.js';
import { cancelK6RestingOrders } from './k6/cleanup.js';

interface Prepared {
  bin: string;
  version: string;
  dir: string;
  script: string;
  scenario: K6ScenarioName;
  configPath: string;
  notes: string[];
  /** Called when run() takes over the temp dir: stops the clean-up of a run that never starts. */
  claim: () => void;
}

export interface K6EngineOptions {
  /** Environment for K6_BIN/PATH lookup and for k6 itself. Default: process.env at run time. */
  env?: () => NodeJS.ProcessEnv;
  /** Keep the temp dir (bundle, config, NDJSON, summary). Default: LOADGATE_KEEP_K6=1. */
  keepFiles?: boolean;
}

export { apportion } from './k6/as-run.js';

export function createK6Engine(opts: K6EngineOptions = {}): Engine {
  const envOf = opts.env ?? (() => process.env);

  async function prepare(ctx: PrepareContext): Promise<Prepared> {
    const env = envOf();
    const k6 = locateK6(env);
    const version = await k6Version(k6.path, env);
    const dir = await mkdtemp(join(tmpdir(), 'loadgate-k6-'));
    try {
      const scenario = scenarioFor(ctx.workload, env.LOADGATE_K6_SCENARIO);
      const [bundle] = await buildScenarios(dir, [scenario]);
      const { config, skippedThresholds } = buildK6Config(ctx.suite, ctx.workload, ctx.target);
      const configPath = join(dir, 'config.json');
      await writeFile(configPath, `${JSON.stringify(config, null, 2)}\n`);
      const notes = [`k6 ${version} (${k6.source}: ${k6.path}) ran scenarios/${scenario}.ts for workload ${ctx.workload.name}`];
      if (skippedThresholds.length) notes.push(`not compiled into k6 thresholds (loadgate evaluates them): ${skippedThresholds.map((s) => `${s.id} (${s.reason})`).join('; ')}`);
      // A prepared run that never starts (stopped during set-up or before its startAfterSec) still owns the
      // temp dir: remove it on abort unless run() has taken it over (run() removes it itself).
      const keep = opts.keepFiles ?? env.LOADGATE_KEEP_K6 === '1';
      const onAbort = () => void (keep ? undefined : rm(dir, { recursive: true, force: true }));
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      const claim = () => ctx.signal.removeEventListener('abort', onAbort);
      return { bin: k6.path, version, dir, script: bundle!.path, scenario, configPath, notes, claim };
    } catch (e) {
      await rm(dir, { recursive: true, force: true });
      throw e;
    }
  }

  async function run(ctx: EngineContext, prepared?: unknown): Promise<EngineOutput> {
    const p = (prepared as Prepared | undefined) ?? (await prepare(ctx));
    p.claim();
    const env = envOf();
    const keep = opts.keepFiles ?? env.LOADGATE_KEEP_K6 === '1';
    const ndjsonPath = join(p.dir, 'samples.ndjson');
    const summaryPath = join(p.dir, 'summary.json');
    const w = ctx.workload;
    const totalSec = plannedSec(executorFor(buildK6Config(ctx.suite, w, ctx.target).config.load));
    // Series buckets are seconds since the run origin: map it onto the wall clock k6 stamps samples with.
    const originEpochMs = Date.now() - (ctx.now() - ctx.originMs);
    const started = ctx.now();
    let iterations = 0;
    let vus = 0;
    // A stream workload's iteration is one whole WebSocket session (none completes until the end): show the
    // connections k6 has open instead of "0 requests".
    const stream = w.load.model === 'stream';
    const tick = setInterval(
      () => ctx.progress({ workload: w.name, elapsedSec: (ctx.now() - started) / 1000, totalSec, requests: stream ? vus : iterations, errors: 0, ...(stream ? { unit: 'connections' as const } : {}) }),
      1000,
    );
    tick.unref();
    const childEnv: NodeJS.ProcessEnv = { ...env, LOADGATE_CONFIG: p.configPath, K6_NO_USAGE_REPORT: 'true' };
    delete childEnv.LOADGATE_CONFIG_JSON;
    // target.maxRatePerSec's share for a closed (constant-vus) workload: k6's `rps` option, all VUs together.
    if (ctx.rateCapPerSec !== undefined) childEnv.K6_RPS = String(ctx.rateCapPerSec);
    if (ctx.target.credentials) {
      childEnv.LOADGATE_API_KEY = ctx.target.credentials.apiKey;
      childEnv.LOADGATE_API_SECRET = ctx.target.credentials.apiSecret;
      if (ctx.target.credentials.passphrase !== undefined) childEnv.LOADGATE_API_PASSPHRASE = ctx.target.credentials.passphrase;
    }
    try {
      const exit = await runK6({ bin: p.bin, script: p.script, ndjsonPath, summaryPath, env: childEnv, cwd: p.dir, signal: ctx.signal, onIterations: (n, v) => {
          iterations = n;
          if (v !== undefined) vus = v;
        },
      });
      clearInterval(tick);
      const stderrLast = k6ErrorLines(exit.stderrTail).join('\n');
      if (exit.failed) {
        // k6 may have failed after orders were placed (a throw in teardown(), an abort): cancel what it left resting.
        let cleanupNote = '';
        if (exit.partialData && existsSync(ndjsonPath)) {
          const ing = await ingestNdjsonFile(ndjsonPath, { originEpochMs, workload: w.name, dialect: ctx.target.dialect }).catch(() => undefined);
          if (ing !== undefined) cleanupNote = (await cancelK6RestingOrders(ctx.target, w, ing.restingOrders, { budgetMs: 3_000 })).notes.map((n) => `\n${n}`).join('');
        }
        throw new RunError('LG_K6_FAILED', `${exit.meaning}${stderrLast ? `:\n${stderrLast}` : ''}${cleanupNote}`, {
          hint: exit.code === 104 ? 'a compiled threshold or option was rejected; run with LOADGATE_KEEP_K6=1 and inspect config.json' : 'run with LOADGATE_KEEP_K6=1 to keep the script, config and k6 output',
        });
      }
      const notes = [...p.notes, exit.meaning];
      if (stderrLast) notes.push(`k6 logged errors: ${stderrLast.split('\n').join('; ')}`);
      let endpoints: Record<string, EndpointResult> = {};
      const custom: Record<string, CustomMetric> = {};
      if (existsSync(ndjsonPath)) {
        const ing = await ingestNdjsonFile(ndjsonPath, { originEpochMs, workload: w.name, dialect: ctx.target.dialect });
        endpoints = ing.endpoints;
        for (const [k, m] of Object.entries(ing.custom)) custom[`k6.${w.name}.${k}`] = m;
        notes.push(...ing.notes);
        // Orders the run created and left resting are cancelled now that k6 has ended (also after a stop, in a shorter bound).
        notes.push(...(await cancelK6RestingOrders(ctx.target, w, ing.restingOrders, { budgetMs: ctx.signal.aborted || exit.interrupted ? 3_000 : 10_000 })).notes);
        const dropped = ing.custom.dropped_iterations?.count ?? 0;
        const weights = mixWeights(w);
        if (isArrivalRate(executorFor(buildK6Config(ctx.suite, w, ctx.target).config.load)) && Object.keys(weights).length > 0) {
          // k6 counts dropped iterations per scenario; one iteration = one request of the whole mix (custom endpoints too), so split them by weight.
          attributeDropped(endpoints, dropped, weights);
          if (dropped > 0) notes.push(`k6 dropped ${dropped} iterations (not enough VUs at the arrival rate): split over the endpoints by mix weight`);
        }
      } else notes.push('k6 wrote no NDJSON: nothing was measured');
      if (existsSync(summaryPath)) {
        try {
          const s = ingestSummary(summaryPath, JSON.parse(await readFile(summaryPath, 'utf8')));
          const failed = s.thresholds.filter((t) => !t.ok);
          if (s.thresholds.length) notes.push(`k6's own thresholds: ${failed.length} of ${s.thresholds.length} crossed${failed.length ? ` (${failed.map((t) => `${t.metric} ${t.expression}`).join(', ')})` : ''}`);
        } catch {
          notes.push('the k6 summary export could not be read');
        }
      }
      const out: EngineOutput = { engine: { name: 'k6', version: p.version }, endpoints, notes };
      if (Object.keys(custom).length) out.custom = custom;
      if (!exit.complete || exit.interrupted) out.incomplete = { reason: exit.interrupted ? `stopped: k6 got one SIGINT and ${exit.meaning}` : exit.meaning };
      return out;
    } finally {
      clearInterval(tick);
      if (!keep) await rm(p.dir, { recursive: true, force: true });
    }
  }

  return {
    name: 'k6',
    prepare,
    run,
  };
}

export const k6Engine: Engine = createK6Engine();
