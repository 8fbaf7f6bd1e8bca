/**
 * SDK workloads (issue 11): side by side in one run, the highest rate one core keeps with schedule slip
 * p99 < 10 ms, and the generator's CPU µs per call, for the raw dialect engine (open engine, undici) and for the
 * sdk engine with the example driver module and, when the mock speaks binance-spot, with ccxt's binance.
 *
 * Each candidate rate is one run of `fetchTicker` for a few seconds in a generator process pinned to CPU 0 (the
 * mock on CPU 1): rates double from 100/s until the slip p99 reaches 10 ms (or arrivals drop), then two bisection
 * steps between the last rate kept and the first missed. CPU per call is process CPU during the run ÷ calls, at
 * the highest rate kept. This file is also the generator child: `node --import tsx bench/sdk.ts --gen '<json>'`.
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { has } from './_tools.js';
import { firstLine, spawnPinned, startTarget } from './open-model.js';

const HERE = fileURLToPath(import.meta.url);
const SUITE_FILE = fileURLToPath(new URL('../scenarios/bench-sdk.suite.yaml', import.meta.url));
const RUN_SEC = 4;
const SLIP_LIMIT_MS = 10;
const START_RATE = 50;
/** CPU per call is also measured here for every candidate, kept or not, so the costs compare at one rate. */
const CPU_RATE = 400;
const MAX_RATE = 12_800;

type Kind = 'open' | 'example' | 'ccxt';
interface GenArgs {
  kind: Kind;
  url: string;
  pid: number;
  dialect: 'loadgate' | 'binance-spot';
  ratePerSec: number;
  durationSec: number;
}
interface GenResult {
  calls: number;
  errors: number;
  slipP99Ms: number;
  cpuUsPerCall: number;
  dropped: number;
  late: number;
  saturated: boolean;
}

const CCXT_BINANCE_OPTIONS = { options: { fetchMarkets: { types: ['spot'] }, fetchCurrencies: false, fetchMargins: false } };

async function genMain(a: GenArgs): Promise<void> {
  const { parseSuite } = await import('../src/suite/load.js');
  const { createOpenEngine } = await import('../src/engines/open.js');
  const { sdkEngine } = await import('../src/engines/sdk.js');
  const { DEFAULT_MOCK_CREDENTIALS } = await import('../src/suite/mock-options.js');
  const driver = a.kind === 'example' ? { module: './drivers/example-sdk.ts' } : a.kind === 'ccxt' ? { sdk: 'ccxt', exchange: 'binance', options: CCXT_BINANCE_OPTIONS } : undefined;
  // The file only anchors the driver path (scenarios/drivers/); nothing is read from it.
  const engine = a.kind === 'open' ? createOpenEngine() : sdkEngine;
  const now = () => performance.now();
  const once = async (durationSec: number) => {
    const suite = parseSuite(SUITE_FILE, {
      target: { url: a.url, dialect: a.dialect },
      workloads: [{ name: 'bench', load: { model: 'open', ratePerSec: a.ratePerSec, durationSec, maxConnections: 256 }, mix: [{ endpoint: 'fetchTicker' }], symbols: ['BTC-USDT'], ...(driver ? { driver } : {}) }],
    });
    const base = {
      suite,
      workload: suite.workloads[0]!,
      target: { baseUrl: a.url, wsUrl: `${a.url.replace(/^http/, 'ws')}/ws`, credentials: { ...DEFAULT_MOCK_CREDENTIALS }, dialect: a.dialect, timeoutMs: 10_000, mock: true, pid: a.pid },
      now,
      signal: new AbortController().signal,
      seed: 1,
    };
    const prepared = await engine.prepare?.(base);
    const c0 = process.cpuUsage();
    const out = await engine.run({ ...base, originMs: now(), progress: () => undefined }, prepared);
    return { out, cpu: process.cpuUsage(c0) };
  };
  // A first second at the same rate warms the JIT and the connections up; only the second run is measured.
  await once(1);
  const { out, cpu: c1 } = await once(a.durationSec);
  const ep = out.endpoints.fetchTicker!;
  const errors = Object.values(ep.errors).reduce((x, y) => x + y, 0);
  const r: GenResult = {
    calls: ep.requests,
    errors,
    slipP99Ms: out.generator?.scheduleSlipMs?.p99 ?? Number.NaN,
    cpuUsPerCall: ep.requests > 0 ? (c1.user + c1.system) / ep.requests : Number.NaN,
    dropped: ep.arrivals?.dropped ?? 0,
    late: ep.arrivals?.late ?? 0,
    saturated: out.generator?.saturated ?? false,
  };
  process.stdout.write(`${JSON.stringify(r)}\n`);
  process.exit(0);
}

async function generate(a: GenArgs): Promise<GenResult> {
  const child = spawnPinned(0, [process.execPath, '--import', 'tsx', HERE, '--gen', JSON.stringify(a)]);
  try {
    return JSON.parse(await firstLine(child, (a.durationSec + 60) * 1000)) as GenResult;
  } finally {
    child.kill();
  }
}

const kept = (r: GenResult): boolean => r.slipP99Ms < SLIP_LIMIT_MS && r.dropped === 0 && r.errors === 0;

/** Doubles, then bisects twice: the highest rate kept and its run. */
async function highestKept(base: Omit<GenArgs, 'ratePerSec' | 'durationSec'>, log: string[]): Promise<{ rate: number; r: GenResult | undefined; firstMissed: number | undefined; cpuAtRef: GenResult }> {
  let good: { rate: number; r: GenResult } | undefined;
  let bad: number | undefined;
  const tryRate = async (rate: number): Promise<boolean> => {
    const r = await generate({ ...base, ratePerSec: rate, durationSec: RUN_SEC });
    log.push(`    ${base.kind.padEnd(8)} ${String(rate).padStart(6)}/s  slip p99 ${r.slipP99Ms.toFixed(1).padStart(7)} ms  late ${String(r.late).padStart(6)}  dropped ${String(r.dropped).padStart(5)}  errors ${r.errors}  cpu ${r.cpuUsPerCall.toFixed(0).padStart(5)} µs/call${kept(r) ? '' : '  missed'}`);
    if (kept(r) && (good === undefined || rate > good.rate)) good = { rate, r };
    else if (!kept(r)) bad = Math.min(bad ?? Infinity, rate);
    return kept(r);
  };
  for (let rate = START_RATE; rate <= MAX_RATE; rate *= 2) if (!(await tryRate(rate))) break;
  for (let i = 0; i < 2 && good !== undefined && bad !== undefined; i++) await tryRate(Math.round((good.rate + bad) / 2 / 10) * 10);
  const cpu = await generate({ ...base, ratePerSec: CPU_RATE, durationSec: RUN_SEC });
  log.push(`    ${base.kind.padEnd(8)} ${String(CPU_RATE).padStart(6)}/s  (CPU reference) ${cpu.cpuUsPerCall.toFixed(0)} µs/call, slip p99 ${cpu.slipP99Ms.toFixed(1)} ms`);
  return { rate: good?.rate ?? 0, r: good?.r, firstMissed: bad, cpuAtRef: cpu };
}

/** Whether the mock answers binance-spot's ticker (the binance-spot mock REST, issue 10). */
async function speaksBinance(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/api/v3/ticker/24hr?symbol=BTCUSDT`, { signal: AbortSignal.timeout(3000) });
    return res.status === 200 && /"lastPrice"/.test(await res.text());
  } catch {
    return false;
  }
}

export async function run(): Promise<string> {
  const lines = ['sdk engine vs raw dialect engine (issue 11): fetchTicker, one generator core, mock on the other'];
  lines.push(has('taskset') ? '  pinned: mock on CPU 1, generator on CPU 0 (taskset)' : '  taskset not found: processes not pinned');
  lines.push(`  load average at start ${loadavg().map((x) => x.toFixed(1)).join(' ')} (the machine is shared: other processes share both cores)`);
  lines.push(`  kept = schedule slip p99 < ${SLIP_LIMIT_MS} ms, nothing dropped, no errors; ${RUN_SEC} s per rate`);
  const rows: Array<{ label: string; rate: number; r: GenResult | undefined; firstMissed: number | undefined; cpuAtRef: GenResult }> = [];
  const log: string[] = [];
  const loadgate = await startTarget({}, { dialect: 'loadgate' });
  try {
    rows.push({ label: 'raw dialect engine (open, undici), loadgate', ...(await highestKept({ kind: 'open', url: loadgate.url, pid: loadgate.pid, dialect: 'loadgate' }, log)) });
    rows.push({ label: 'sdk engine, example driver (fetch), loadgate', ...(await highestKept({ kind: 'example', url: loadgate.url, pid: loadgate.pid, dialect: 'loadgate' }, log)) });
  } finally {
    loadgate.stop();
  }
  const binance = await startTarget({}, { dialect: 'binance-spot' }).catch(() => undefined);
  try {
    if (binance !== undefined && (await speaksBinance(binance.url))) {
      rows.push({ label: 'sdk engine, ccxt binance, binance-spot', ...(await highestKept({ kind: 'ccxt', url: binance.url, pid: binance.pid, dialect: 'binance-spot' }, log)) });
    } else lines.push('  ccxt: not measured: the mock does not speak binance-spot REST yet');
  } finally {
    binance?.stop();
  }
  lines.push('  runs:', ...log);
  const ref = rows[0]!;
  lines.push(`  highest rate kept on one core; generator CPU per call at that rate, and at ${CPU_RATE}/s for all (ratio to the raw engine):`);
  for (const x of rows) {
    const ratio = ` (${(x.cpuAtRef.cpuUsPerCall / ref.cpuAtRef.cpuUsPerCall).toFixed(2)}× raw)`;
    lines.push(
      `    ${x.label.padEnd(46)} ${String(x.rate).padStart(6)}/s${x.firstMissed ? ` (missed at ${x.firstMissed}/s)` : ''}   ${x.r ? x.r.cpuUsPerCall.toFixed(0) : 'n/a'} µs/call   at ${CPU_RATE}/s: ${x.cpuAtRef.cpuUsPerCall.toFixed(0)} µs/call${ratio}`,
    );
  }
  return lines.join('\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const i = process.argv.indexOf('--gen');
  if (i >= 0) await genMain(JSON.parse(process.argv[i + 1]!) as GenArgs);
  else console.log(await run());
}
