/**
 * End to end: the closed-model engine against bare autocannon and wrk on the built-in mock, same connections,
 * generator and target pinned to different cores. The mock is slower than the generators, so this measures the mock;
 * bench/generator.ts measures the generator against nginx. Prints requests/s and CPU µs per request, and ratios to bare autocannon.
 * The engine's own recording (µs HDR per endpoint, per-second histograms, error classes, correlation IDs)
 * must not cost more than 1.3× bare autocannon's CPU per request.
 */
import { execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { startMockProcess } from '../src/mock-process.js';
import { has } from './_tools.js';

const here = dirname(fileURLToPath(import.meta.url));
const CONNECTIONS = 16;
const DURATION_SEC = 8;

function exec(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    c.on('error', reject);
    c.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} exited ${code}`))));
  });
}

const pin = (core: number, cmd: string, args: string[]): [string, string[]] => (has('taskset') ? ['taskset', ['-c', String(core), cmd, ...args]] : [cmd, args]);

async function node(mode: 'engine' | 'bare', url: string) {
  const [cmd, args] = pin(0, process.execPath, ['--import', 'tsx', join(here, '_gen-child.ts'), mode, url, String(CONNECTIONS), String(DURATION_SEC)]);
  const out = JSON.parse((await exec(cmd, args)).trim().split('\n').pop()!) as { requests: number; cpuUs: number; sec: number };
  return { ratePerSec: out.requests / out.sec, cpuUsPerReq: out.cpuUs / out.requests };
}

async function wrk(url: string) {
  // bash's `times` prints the children's user and system CPU after wrk exits.
  const [cmd, args] = pin(0, 'wrk', ['-t1', `-c${CONNECTIONS}`, `-d${DURATION_SEC}s`, `${url}/api/v1/ticker?symbol=BTC-USDT`]);
  const out = await exec('bash', ['-c', `${[cmd, ...args].map((a) => `'${a}'`).join(' ')}; times`]);
  const rps = Number(/Requests\/sec:\s*([\d.]+)/.exec(out)?.[1]);
  const t = [...out.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  const cpuSec = (t[2] ?? 0) + (t[3] ?? 0);
  return { ratePerSec: rps, cpuUsPerReq: (cpuSec * 1e6) / (rps * DURATION_SEC) };
}

export async function run(): Promise<string> {
  const mock = await startMockProcess({ seed: 1 });
  try {
    if (has('taskset')) execFileSync('taskset', ['-a', '-pc', '1', String(mock.pid)], { stdio: 'ignore' });
    const rows: Array<[string, { ratePerSec: number; cpuUsPerReq: number } | undefined]> = [];
    rows.push(['bare autocannon', await node('bare', mock.url)]);
    rows.push(['loadgate autocannon engine', await node('engine', mock.url)]);
    rows.push(['wrk', has('wrk') ? await wrk(mock.url) : undefined]);
    const ref = rows[0]![1]!;
    const lines = [
      'end to end: against the mock both tools stop at the mock\'s ceiling; the generator\'s own limit is `npm run bench -- generator` (nginx)',
      `target: built-in mock (fetchTicker) in its own process${has('taskset') ? ', pinned to core 1; generators pinned to core 0' : ' (taskset missing: not pinned)'}; ${CONNECTIONS} connections, ${DURATION_SEC} s each`,
      `${'generator'.padEnd(28)} ${'req/s'.padStart(9)} ${'CPU µs/req'.padStart(11)} ${'req/s ratio'.padStart(12)} ${'CPU ratio'.padStart(10)}`,
    ];
    for (const [name, r] of rows) {
      if (!r) lines.push(`${name.padEnd(28)} not installed (apt-get install wrk)`);
      else lines.push(`${name.padEnd(28)} ${r.ratePerSec.toFixed(0).padStart(9)} ${r.cpuUsPerReq.toFixed(1).padStart(11)} ${(r.ratePerSec / ref.ratePerSec).toFixed(2).padStart(11)}× ${(r.cpuUsPerReq / ref.cpuUsPerReq).toFixed(2).padStart(9)}×`);
    }
    const engine = rows[1]![1]!;
    const ratio = engine.cpuUsPerReq / ref.cpuUsPerReq;
    lines.push(`engine recording overhead: ${ratio.toFixed(2)}× bare autocannon CPU per request (budget 1.30×): ${ratio <= 1.3 ? 'OK' : 'OVER BUDGET'}`);
    return lines.join('\n');
  } finally {
    await mock.close();
  }
}
