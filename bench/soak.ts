/**
 * Soak (issue 14 item 10, issue 16 item 11): a steady run against the built-in mock, 300 req/s of the REST
 * mix (open model) + 100 WebSocket connections, for `--minutes` (default 10), through the real CLI. Prints
 * the resident set size (RSS) of loadgate and of the mock process once a minute, and the growth of each after the warm-up
 * (the first minute): both must stay below 50 MB.
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
  const rows: Array<{ minute: number; loadgateMb: number | undefined; mockMb: number | undefined }> = [];
  const t0 = performance.now();
  let done = false;
  void exited.then(() => (done = true));
  for (let minute = 0; minute <= Math.ceil(minutes) && !done; minute++) {
    // Sample at 0:30 (after the mock started and the connections opened), then every full minute.
    const at = minute === 0 ? 30_000 : minute * 60_000;
    while (!done && performance.now() - t0 < at) await sleep(Math.min(1000, at - (performance.now() - t0)));
    if (done) break;
    mockPid ??= (await childrenOf(cli))[0];
    rows.push({ minute: minute === 0 ? 0.5 : minute, loadgateMb: await rssMb(cli), mockMb: mockPid === undefined ? undefined : await rssMb(mockPid) });
    process.stderr.write(`soak ${rows.at(-1)!.minute} min: loadgate ${rows.at(-1)!.loadgateMb?.toFixed(1)} MB, mock ${rows.at(-1)!.mockMb?.toFixed(1)} MB\n`);
  }
  const code = await Promise.race([exited, sleep(120_000).then(() => 'timeout' as const)]);
  if (code === 'timeout') child.kill('SIGKILL');
  const requests = /([\d,]+) requests/.exec(out)?.[1] ?? '?';
  const fmt = (v: number | undefined) => (v === undefined ? '—' : v.toFixed(1));
  const lines = [`soak: ${minutes} min, 300 req/s open model + 100 WebSocket connections against the built-in mock (exit ${code}, ${requests} requests)`];
  lines.push('minute  loadgate RSS MB  mock RSS MB');
  for (const r of rows) lines.push(`${String(r.minute).padStart(6)}  ${fmt(r.loadgateMb).padStart(15)}  ${fmt(r.mockMb).padStart(11)}`);
  // Growth after the warm-up: from the 1-minute sample to the last one.
  const warm = rows.find((r) => r.minute >= 1);
  const last = rows.at(-1);
  if (warm && last && warm !== last) {
    const growth = (k: 'loadgateMb' | 'mockMb') => (last[k] !== undefined && warm[k] !== undefined ? last[k]! - warm[k]! : Number.NaN);
    const span = last.minute - warm.minute;
    const g = { loadgate: growth('loadgateMb'), mock: growth('mockMb') };
    lines.push(
      `growth after warm-up (${warm.minute}→${last.minute} min): loadgate ${g.loadgate.toFixed(1)} MB (${(g.loadgate / span).toFixed(2)} MB/min), mock ${g.mock.toFixed(1)} MB (${(g.mock / span).toFixed(2)} MB/min); bound ${MAX_GROWTH_MB} MB: ${
        g.loadgate < MAX_GROWTH_MB && g.mock < MAX_GROWTH_MB ? 'ok' : 'EXCEEDED'
      }`,
    );
    if (!(g.loadgate < MAX_GROWTH_MB && g.mock < MAX_GROWTH_MB)) process.exitCode = 1;
  } else lines.push('too short to measure growth after the warm-up (use --minutes 2 or more)');
  return lines.join('\n');
}
