/**
 * Soak (issue 14 item 10, issue 16 item 11): a steady run against the built-in mock, 300 req/s of the REST
 * mix (open model) + 100 WebSocket connections, for `--minutes` (default 10), through the real CLI. Prints
 * the resident set size (RSS) of loadgate and of the mock process per minute (lowest–highest of 12 samples),
 * and the growth of each after the warm-up (the first minute): both must stay below 50 MB.
 *
 * `npm run bench -- soak [--minutes N]`. Linux only (reads /proc).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Growth allowed after the warm-up minute, MB (the bound). */
const MAX_GROWTH_MB = 50;

function minutesArg(argv: string[]): number {
  const i = argv.indexOf('--minutes');
  const v = i === -1 ? 10 : Number(argv[i + 1]);
  if (!Number.isFinite(v) || v <= 0 || v > 24 * 60) throw new Error(`--minutes: expected a number of minutes in (0, 1440], got ${argv[i + 1]}`);
  return v;
}

function suiteYaml(durationSec: number): string {
  return `name: soak
target:
  mock:
    seed: 11
    faults: { default: { latency: { type: lognormal, p50Ms: 2, p99Ms: 15 } } }
warmupSec: 5
workloads:
  - name: market-streams
    load: { model: stream, connections: 100, connectRatePerSec: 100, durationSec: ${durationSec} }
    streams:
      - { channel: orderbook, ratePerSec: 10 }
      - { channel: ticker, ratePerSec: 5 }
      - { channel: trades, ratePerSec: 10 }
    symbols: [BTC-USDT, ETH-USDT]
  - name: rest-mix
    load: { model: open, ratePerSec: 300, durationSec: ${durationSec}, maxConnections: 64 }
    mix:
      - { endpoint: fetchTicker, weight: 5 }
      - { endpoint: fetchOrderBook, weight: 3, depth: 20 }
      - { endpoint: fetchMarkets, weight: 1 }
      - { endpoint: createOrder, weight: 2 }
      - { endpoint: cancelOrder, weight: 1 }
    symbols: [BTC-USDT, ETH-USDT, SOL-USDT]
sla: { overall: { successRatePct: 99 } }
`;
}

/** VmRSS of a process, MB (undefined once it is gone). */
async function rssMb(pid: number): Promise<number | undefined> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => undefined);
  const kb = status && /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  return kb ? Number(kb) / 1024 : undefined;
}

/** Direct children of a process (the mock is forked by the CLI). */
async function childrenOf(pid: number): Promise<number[]> {
  const text = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
  return text.trim().split(/\s+/).filter(Boolean).map(Number);
}

export async function run(argv: string[] = process.argv.slice(2)): Promise<string> {
  const minutes = minutesArg(argv);
  const durationSec = Math.round(minutes * 60);
  const dir = await mkdtemp(join(tmpdir(), 'loadgate-soak-'));
  const suite = join(dir, 'soak.suite.yaml');
  await writeFile(suite, suiteYaml(durationSec));
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli.ts'), 'run', suite, '--out', join(dir, 'out'), '--no-color'], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', () => undefined);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const cli = child.pid!;
  let mockPid: number | undefined;
  // Sampled every 5 s; each minute's row shows the lowest and highest RSS seen in it. Node's heap grows in a
  // sawtooth between collections, so one sample per minute can land anywhere on it: the lowest RSS of a minute
  // (right after a collection) is what the process keeps, and its growth is the leak measure.
  const rows: Array<{ minute: number; loadgate: [number, number]; mock: [number, number] }> = [];
  const t0 = performance.now();
  let done = false;
  void exited.then(() => (done = true));
  let cur: { loadgate: number[]; mock: number[] } = { loadgate: [], mock: [] };
  const totalMs = minutes * 60_000;
  for (let k = 1; !done && k * 5_000 <= totalMs; k++) {
    while (!done && performance.now() - t0 < k * 5_000) await sleep(Math.min(1000, k * 5_000 - (performance.now() - t0)));
    if (done) break;
    mockPid ??= (await childrenOf(cli))[0];
    const l = await rssMb(cli);
    const m = mockPid === undefined ? undefined : await rssMb(mockPid);
    if (l !== undefined) cur.loadgate.push(l);
    if (m !== undefined) cur.mock.push(m);
    if (k % 12 === 0 && cur.loadgate.length > 0 && cur.mock.length > 0) {
      const row = { minute: k / 12, loadgate: [Math.min(...cur.loadgate), Math.max(...cur.loadgate)] as [number, number], mock: [Math.min(...cur.mock), Math.max(...cur.mock)] as [number, number] };
      rows.push(row);
      process.stderr.write(`soak minute ${row.minute}: loadgate ${row.loadgate[0].toFixed(1)}–${row.loadgate[1].toFixed(1)} MB, mock ${row.mock[0].toFixed(1)}–${row.mock[1].toFixed(1)} MB\n`);
      cur = { loadgate: [], mock: [] };
    }
  }
  const code = await Promise.race([exited, sleep(120_000).then(() => 'timeout' as const)]);
  if (code === 'timeout') child.kill('SIGKILL');
  const requests = /([\d,]+) requests/.exec(out)?.[1] ?? '?';
  const fmt = (v: [number, number]) => `${v[0].toFixed(1)}–${v[1].toFixed(1)}`;
  const lines = [`soak: ${minutes} min, 300 req/s open model + 100 WebSocket connections against the built-in mock (exit ${code}, ${requests} requests)`];
  lines.push('minute  loadgate RSS MB (min–max)  mock RSS MB (min–max)');
  for (const r of rows) lines.push(`${String(r.minute).padStart(6)}  ${fmt(r.loadgate).padStart(25)}  ${fmt(r.mock).padStart(21)}`);
  // Growth after the warm-up (the first minute, which also holds the start-up): lowest RSS of the last minute
  // minus lowest RSS of minute 2.
  const warm = rows.find((r) => r.minute >= 2) ?? rows[0];
  const last = rows.at(-1);
  if (warm && last && warm !== last) {
    const span = last.minute - warm.minute;
    const g = { loadgate: last.loadgate[0] - warm.loadgate[0], mock: last.mock[0] - warm.mock[0] };
    const ok = g.loadgate < MAX_GROWTH_MB && g.mock < MAX_GROWTH_MB;
    lines.push(
      `growth after warm-up (minute ${warm.minute}→${last.minute}, lowest RSS of each minute): loadgate ${g.loadgate.toFixed(1)} MB (${(g.loadgate / span).toFixed(2)} MB/min), mock ${g.mock.toFixed(1)} MB (${(g.mock / span).toFixed(2)} MB/min); bound ${MAX_GROWTH_MB} MB: ${ok ? 'ok' : 'EXCEEDED'}`,
    );
    if (!ok) process.exitCode = 1;
  } else lines.push('too short to measure growth after the warm-up (use --minutes 2 or more)');
  return lines.join('\n');
}
