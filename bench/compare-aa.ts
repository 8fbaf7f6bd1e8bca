/**
 * `npm run bench -- compare-aa`: is compare A/A-proof on real runs (issue #13 item 5)?
 *
 * Eleven real runs of scenarios/default.suite.yaml through the CLI, one after another on this machine:
 * six of the suite as it is, five of a copy whose mock answers fetchTicker with a lognormal p99 1.5× the
 * suite's (15 → 22.5 ms; the issue's 20 → 30 ms), interleaved base, changed, base, … so a drift of the machine's
 * load does not line up with the change. Then, through the CLI with `--fail-on regression`:
 * - the 15 pairs of unchanged runs: how many exit 1 (the false-regression rate; the goal is none);
 * - the 5 pairs (base i, changed i): how many report a regressed metric on fetchTicker (the goal is ≥ 4).
 *
 * COMPARE_AA_RUNS=<dir> reuses the runs of an earlier bench (its printed folder) and only compares.
 * The suite's mock has `faultSeed: per-run`: every run draws its own latency over the same markets and books,
 * as a real target never replays itself. (With one fixed seed the i-th request of every run drew the same
 * latency, runs were near replays of each other, and their A/A "tail vs others" p-values sat far above
 * uniform: an A/A side that easy says nothing about run-to-run noise.) The bench prints the drawn seeds.
 */
import { spawn } from 'node:child_process';
import { mkdir, readFile, writeFile, access } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SUITE = join(ROOT, 'scenarios/default.suite.yaml');
const CHANGED_ENDPOINT = 'fetchTicker';
const P99_FACTOR = 1.5;
const BASE_RUNS = 6;
const CHANGED_RUNS = 5;
/** One run of the default suite is about 35 s; anything past this is a hung run. */
const RUN_TIMEOUT_MS = 180_000;

interface Exec {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], timeoutMs: number): Promise<Exec> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli.ts'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

type SuiteDoc = { target: { mock: { faultSeed?: number | string; faults: Record<string, { latency?: { type: string; p50Ms: number; p99Ms: number } }> } } };

/** The suite with the changed endpoint's mock latency: the default latency with its p99 raised. */
async function changedSuite(dir: string): Promise<{ file: string; from: number; to: number }> {
  const suite = parse(await readFile(SUITE, 'utf8')) as SuiteDoc;
  const latency = suite.target.mock.faults.default?.latency;
  if (latency?.type !== 'lognormal') throw new Error(`${SUITE}: expected target.mock.faults.default.latency to be lognormal`);
  const to = latency.p99Ms * P99_FACTOR;
  suite.target.mock.faults[CHANGED_ENDPOINT] = { ...suite.target.mock.faults[CHANGED_ENDPOINT], latency: { ...latency, p99Ms: to } };
  const file = join(dir, 'changed.suite.yaml');
  await writeFile(file, stringify(suite));
  return { file, from: latency.p99Ms, to };
}

interface RunInfo {
  name: string;
  dir: string;
  code: number;
  saturated: boolean;
  lagP99Ms: number | undefined;
  faultSeed: number | undefined;
}

async function exists(p: string): Promise<boolean> {
  try {
    await access(p);
    return true;
  } catch {
    return false;
  }
}

async function runInfo(name: string, dir: string, code: number): Promise<RunInfo> {
  const r = JSON.parse(await readFile(join(dir, 'result.json'), 'utf8')) as { meta: { target: { faultSeed?: number } }; generator?: { saturated: boolean; eventLoopLagMs?: { p99: number } } };
  return { name, dir, code, saturated: r.generator?.saturated === true, lagP99Ms: r.generator?.eventLoopLagMs?.p99, faultSeed: r.meta.target.faultSeed };
}

interface CompareJson {
  verdict: string;
  counts: Record<string, number>;
  endpoints: Array<{ name: string; metrics: Array<{ metric: string; label: string; verdict: string; deltaPct?: number; pValue?: number }> }>;
}

async function compareRuns(a: RunInfo, b: RunInfo): Promise<{ code: number; c: CompareJson }> {
  const x = await cli(['compare', join(a.dir, 'result.json'), join(b.dir, 'result.json'), '--fail-on', 'regression', '--format', 'json'], RUN_TIMEOUT_MS);
  if (x.code === 2 || x.stdout.trim() === '') throw new Error(`compare ${a.name} ${b.name} failed (exit ${x.code}): ${x.stderr.slice(0, 500)}`);
  return { code: x.code, c: JSON.parse(x.stdout) as CompareJson };
}

/** "tail vs others" p-values (before the family adjustment), per endpoint. */
const tailP = (c: CompareJson): Array<{ endpoint: string; p: number }> =>
  c.endpoints.flatMap((e) => e.metrics.filter((m) => m.metric === 'tailVsOthersPct' && m.pValue !== undefined).map((m) => ({ endpoint: e.name, p: m.pValue! })));
const fmtP = (p: number): string => (p >= 0.01 ? p.toFixed(2) : p.toPrecision(2));

const regressedList = (c: CompareJson) =>
  c.endpoints.flatMap((e) => e.metrics.filter((m) => m.verdict === 'regressed').map((m) => `${e.name} ${m.label}${m.deltaPct === undefined ? '' : ` ${m.deltaPct >= 0 ? '+' : ''}${m.deltaPct.toFixed(1)}%`}`));

/** min, 10%, 50% and 90% of `xs`. */
function quantiles(xs: number[]): string {
  if (xs.length === 0) return 'none';
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return `min ${fmtP(s[0]!)}, 10% ${fmtP(at(0.1))}, median ${fmtP(at(0.5))}, 90% ${fmtP(at(0.9))}`;
}

export async function run(): Promise<string> {
  const reuse = process.env.COMPARE_AA_RUNS;
  const dir = reuse ?? join(ROOT, 'reports', 'bench-compare-aa', new Date().toISOString().replace(/[:.]/g, '-'));
  await mkdir(dir, { recursive: true });
  const lines: string[] = [];
  const changed = await changedSuite(dir);
  const base: RunInfo[] = [];
  const cand: RunInfo[] = [];
  const t0 = performance.now();
  const loadStart = loadavg()[0]!;
  for (let i = 1; i <= BASE_RUNS; i++) {
    for (const [side, suite, list] of [
      ['base', SUITE, base],
      ['changed', changed.file, cand],
    ] as const) {
      if (side === 'changed' && i > CHANGED_RUNS) continue;
      const name = `${side}-${i}`;
      const out = join(dir, name);
      let code = 0;
      if (!reuse || !(await exists(join(out, 'result.json')))) {
        const x = await cli(['run', suite, '--out', out, '--format', 'json', '--label', name], RUN_TIMEOUT_MS);
        code = x.code;
        if (!(await exists(join(out, 'result.json')))) throw new Error(`run ${name} wrote no result (exit ${x.code}): ${x.stderr.slice(-500)}`);
      }
      list.push(await runInfo(name, out, code));
    }
  }
  const runSec = (performance.now() - t0) / 1000;
  const all = [...base, ...cand];
  const seeds = new Set(all.map((r) => r.faultSeed));
  lines.push(`runs in ${dir}${reuse ? ' (reused)' : ` (${runSec.toFixed(0)} s for ${all.length} runs)`}`);
  lines.push(
    `mock latency draws: ${seeds.size === all.length && !seeds.has(undefined) ? 'each run its own (faultSeed per run)' : 'NOT drawn afresh per run: runs replay each other'} — ${all.map((r) => `${r.name} ${r.faultSeed ?? '?'}`).join(', ')}`,
  );
  lines.push(`machine: ${cpus().length} cores, load average ${loadStart.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} after the runs`);
  lines.push(`generator saturated (flagged untrustworthy by the run itself): ${all.filter((r) => r.saturated).map((r) => r.name).join(', ') || 'none'}`);
  lines.push(`generator event-loop lag p99 (ms): ${all.map((r) => `${r.name} ${r.lagP99Ms?.toFixed(0) ?? '?'}`).join(', ')}`);

  let falseRegressions = 0;
  let regressedVerdicts = 0;
  const aaTailP: number[] = [];
  const exits: Record<number, number> = {};
  lines.push('', `A/A: ${BASE_RUNS} runs of the unchanged suite, every pair, compare --fail-on regression`);
  for (let i = 0; i < base.length; i++) {
    for (let j = i + 1; j < base.length; j++) {
      const { code, c } = await compareRuns(base[i]!, base[j]!);
      exits[code] = (exits[code] ?? 0) + 1;
      if (code === 1) falseRegressions++;
      const regs = regressedList(c);
      if (regs.length > 0) regressedVerdicts++;
      aaTailP.push(...tailP(c).map((x) => x.p));
      lines.push(`  ${base[i]!.name} vs ${base[j]!.name}: exit ${code}, ${c.verdict}${regs.length ? ` (${regs.join('; ')})` : ''}`);
    }
  }
  const pairs = (base.length * (base.length - 1)) / 2;
  let detected = 0;
  lines.push('', `change: ${CHANGED_ENDPOINT} mock p99 ${changed.from} → ${changed.to} ms, base i vs changed i`);
  for (let i = 0; i < cand.length; i++) {
    const { code, c } = await compareRuns(base[i]!, cand[i]!);
    const regs = regressedList(c);
    const hit = regs.some((r) => r.startsWith(`${CHANGED_ENDPOINT} `));
    if (hit) detected++;
    const p = tailP(c).find((x) => x.endpoint === CHANGED_ENDPOINT)?.p;
    lines.push(`  ${base[i]!.name} vs ${cand[i]!.name}: exit ${code}, ${hit ? 'detected' : 'missed'}${p === undefined ? '' : ` (tail vs others p ${fmtP(p)})`}${regs.length ? ` (regressed: ${regs.join('; ')})` : ''}`);
  }
  lines.push(
    '',
    `false-regression rate: ${falseRegressions}/${pairs} A/A pairs exit 1 (${((falseRegressions / pairs) * 100).toFixed(1)}%; goal 0); exit codes ${Object.entries(exits)
      .map(([k, v]) => `${k}: ${v}`)
      .join(', ')}`,
    `A/A pairs whose table shows a regressed metric, trusted or not (exit 1 or 3): ${regressedVerdicts}/${pairs}`,
    `A/A "tail vs others" p-values (${aaTailP.length}, unadjusted; uniform if calibrated): ${quantiles(aaTailP)}`,
    `detection rate: ${detected}/${cand.length} pairs report ${CHANGED_ENDPOINT} regressed (${((detected / cand.length) * 100).toFixed(0)}%; goal ≥ 80%)`,
  );
  return lines.join('\n');
}
