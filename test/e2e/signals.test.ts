/**
 * Stopping is reliable whatever runs loadgate (issue 14 items 1–3, issue 16 items 3–4): a SIGTERM to the whole
 * process group (a CI cancel), a signal that only reaches the launcher (what npm does: it forwards SIGTERM to
 * its `sh -c`, which dies and leaves loadgate orphaned), an overloaded generator, a parent killed outright.
 * Each case counts the requests at a server the test controls and asserts they stop growing after the stop
 * (bounded polling, no timing ratios), and that the reports of what was measured are written.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockExchange, type MockExchange } from '../../mocks/index.js';
import { runResultSchema, type RunResult } from '../../src/result/model.js';
import { ROOT, tempDir, writeTemp } from '../helpers/cli.js';
import { alive, until } from '../helpers/processes.js';
import { installPacked, packedEnv, type PackedInstall } from '../helpers/packed.js';

const CLI = ['--import', 'tsx', join(ROOT, 'src/cli.ts')];

interface Spawned {
  child: ChildProcess;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Spawn in its own process group (detached), so the test can signal the whole group like a CI cancel. */
function spawnGroup(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}, cwd = ROOT): Spawned {
  const child = spawn(cmd, args, { cwd, detached: true, env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stdout!.on('data', () => undefined);
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const guard = setTimeout(() => killGroup(child.pid!, 'SIGKILL'), 90_000);
  void exit.then(() => clearTimeout(guard));
  return { child, stderr: () => err, exit };
}

function killGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    // already gone
  }
}

/** Load requests the test server received (health probes excluded). */
function loadRequests(mock: MockExchange): number {
  return Object.entries(mock.stats.byEndpoint)
    .filter(([route]) => route !== 'health')
    .reduce((a, [, n]) => a + n, 0);
}

/**
 * After a stop: the count must stop growing. Polls every 250 ms for at most `maxMs` until two consecutive
 * samples 1 s apart are equal, then checks it stays equal for one more second. Returns the settled count.
 */
async function assertLoadStops(mock: MockExchange, maxMs = 15_000): Promise<number> {
  let last = loadRequests(mock);
  let stableSince: number | undefined;
  const tries = Math.ceil(maxMs / 250);
  for (let i = 0; i < tries; i++) {
    await sleep(250);
    const n = loadRequests(mock);
    if (n === last) stableSince ??= i;
    else stableSince = undefined;
    last = n;
    if (stableSince !== undefined && i - stableSince >= 4) break;
  }
  expect(stableSince, 'requests kept arriving at the target after the stop').not.toBeUndefined();
  await sleep(1000);
  expect(loadRequests(mock)).toBe(last);
  return last;
}

function readResult(dir: string): RunResult {
  return runResultSchema.parse(JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')));
}

const urlSuite = (url: string, extra = '') => `
name: sig
target: { url: "${url}", timeoutMs: 2000 }
workloads:
  - name: tickers
    load: { model: open, ratePerSec: 100, durationSec: 60, maxConnections: 16 }
    mix: [{ endpoint: fetchTicker }]
sla: { overall: { successRatePct: 99 } }
${extra}`;

const mockSuite = `
name: sigmock
target: { mock: { seed: 3 } }
workloads:
  - name: tickers
    load: { model: open, ratePerSec: 100, durationSec: 60 }
    mix: [{ endpoint: fetchTicker }, { endpoint: fetchOrderBook }]
  - name: streams
    load: { model: stream, connections: 5, durationSec: 60 }
    streams: [{ channel: ticker }]
`;

describe('stopping a run', () => {
  let mock: MockExchange;
  beforeAll(async () => {
    mock = await startMockExchange({ seed: 5 });
  });
  afterAll(async () => {
    await mock?.close();
  });

  /** Wait until the run is sending load (bounded), so the stop interrupts a running run. */
  async function whenLoading(s: Spawned, before: number): Promise<void> {
    const started = await until(() => loadRequests(mock) > before + 50 || s.child.exitCode !== null, 45_000);
    expect(started && s.child.exitCode === null, `the run did not start: ${s.stderr()}`).toBe(true);
  }

  it('SIGTERM to the whole process group stops the load, writes the incomplete report and exits 3', async () => {
    const dir = await tempDir();
    const suite = await writeTemp(dir, 'sig.suite.yaml', urlSuite(mock.url));
    const out = join(dir, 'out');
    const s = spawnGroup(process.execPath, [...CLI, 'run', suite, '--out', out]);
    await whenLoading(s, loadRequests(mock));
    killGroup(s.child.pid!, 'SIGTERM');
    await assertLoadStops(mock);
    const { code } = await s.exit;
    expect(code, s.stderr()).toBe(3);
    expect(s.stderr()).not.toMatch(/\n\s+at /);
    expect(await readdir(out)).toEqual(expect.arrayContaining(['result.json', 'report.json', 'report.md', 'junit.xml']));
    const r = readResult(out);
    expect(r.meta.incomplete?.reason).toMatch(/SIGTERM/);
    expect(r.endpoints.fetchTicker!.requests).toBeGreaterThan(0);
  });

  it('a group SIGTERM that also reaches the built-in mock child still writes the reports and exits 3 (no EPIPE)', async () => {
    const dir = await tempDir();
    const suite = await writeTemp(dir, 'sigmock.suite.yaml', mockSuite);
    const out = join(dir, 'out');
    const s = spawnGroup(process.execPath, [...CLI, 'run', suite, '--out', out]);
    const running = await until(() => /tickers: \d+%/.test(s.stderr()) || s.child.exitCode !== null, 45_000);
    expect(running && s.child.exitCode === null, s.stderr()).toBe(true);
    const mockPids = childPids(s.child.pid!);
    expect(mockPids.length).toBeGreaterThan(0);
    killGroup(s.child.pid!, 'SIGTERM');
    const { code } = await s.exit;
    expect(code, s.stderr()).toBe(3);
    expect(s.stderr()).not.toMatch(/EPIPE|ERR_IPC|\n\s+at /);
    const r = readResult(out);
    expect(r.meta.incomplete?.reason).toMatch(/SIGTERM/);
    expect(r.endpoints.fetchTicker!.requests).toBeGreaterThan(0);
    // The mock survived the group's SIGTERM until the run had stopped: no request met a dead mock.
    expect(r.endpoints.fetchTicker!.errors.network ?? 0).toBe(0);
    // The mock never outlives the run.
    expect(await until(() => mockPids.every((p) => !alive(p)), 10_000)).toBe(true);
  });

  it('a SIGTERM that only reaches the launcher (npm forwards it to its sh -c, which dies) still stops loadgate', async () => {
    const dir = await tempDir();
    const suite = await writeTemp(dir, 'sig.suite.yaml', urlSuite(mock.url));
    const out = join(dir, 'out');
    const cmd = [process.execPath, ...CLI, 'run', suite, '--out', out].map((a) => `'${a}'`).join(' ');
    // `sh -c` like npm exec / npm run; the trailing `; :` keeps dash from exec'ing node in its place.
    const s = spawnGroup('sh', ['-c', `${cmd}; :`]);
    await whenLoading(s, loadRequests(mock));
    process.kill(s.child.pid!, 'SIGTERM');
    const shell = await s.exit;
    expect(shell.signal).toBe('SIGTERM');
    await assertLoadStops(mock);
    expect(await until(() => existsSync(join(out, 'report.json')), 20_000)).toBe(true);
    const r = readResult(out);
    expect(r.meta.incomplete?.reason).toMatch(/is gone/);
  });

  it('npm run loadgate: a SIGTERM to npm alone stops the load and the reports are written', async () => {
    const dir = await tempDir();
    const suite = await writeTemp(dir, 'sig.suite.yaml', urlSuite(mock.url));
    const out = join(dir, 'out');
    const s = spawnGroup('npm', ['run', '--silent', 'loadgate', '--', 'run', suite, '--out', out]);
    await whenLoading(s, loadRequests(mock));
    process.kill(s.child.pid!, 'SIGTERM');
    await s.exit;
    await assertLoadStops(mock);
    expect(await until(() => existsSync(join(out, 'report.json')), 20_000)).toBe(true);
    expect(readResult(out).meta.incomplete?.reason).toMatch(/is gone|SIGTERM/);
    killGroup(s.child.pid!, 'SIGKILL');
  });

  it('an overloaded generator (ratePerSec 1e9, limits raised) still stops on SIGTERM, writes reports and exits 3', async () => {
    const dir = await tempDir();
    const suite = await writeTemp(dir, 'over.suite.yaml', urlSuite(mock.url, 'limits: { ratePerSec: 1e10 }').replace('ratePerSec: 100,', 'ratePerSec: 1e9,'));
    const out = join(dir, 'out');
    const s = spawnGroup(process.execPath, [...CLI, 'run', suite, '--out', out]);
    await whenLoading(s, loadRequests(mock));
    killGroup(s.child.pid!, 'SIGTERM');
    await assertLoadStops(mock);
    const { code } = await s.exit;
    expect(code, s.stderr()).toBe(3);
    const r = readResult(out);
    expect(r.meta.incomplete?.reason).toMatch(/SIGTERM/);
  });

  it('Ctrl-C (SIGINT to the group) does not turn arrivals the stop kept back into a droppedArrivals breach', async () => {
    const dir = await tempDir();
    const suite = await writeTemp(dir, 'sig.suite.yaml', urlSuite(mock.url));
    const out = join(dir, 'out');
    const s = spawnGroup(process.execPath, [...CLI, 'run', suite, '--out', out]);
    await whenLoading(s, loadRequests(mock));
    killGroup(s.child.pid!, 'SIGINT');
    const { code } = await s.exit;
    expect(code, s.stderr()).toBe(3);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { verdict: { checks: Array<{ id: string; status: string; actual?: number }> } };
    const dropped = report.verdict.checks.find((c) => c.id === 'fetchTicker.droppedArrivals');
    expect(dropped?.status).toBe('pass');
    const a = readResult(out).endpoints.fetchTicker!.arrivals!;
    expect(a.sent + a.dropped).toBe(a.scheduled);
  });

  it('a parent killed outright (SIGKILL) leaves no mock child behind', async () => {
    const dir = await tempDir();
    const suite = await writeTemp(dir, 'sigmock.suite.yaml', mockSuite);
    const s = spawnGroup(process.execPath, [...CLI, 'run', suite, '--out', join(dir, 'out')]);
    const running = await until(() => /tickers: \d+%/.test(s.stderr()) || s.child.exitCode !== null, 45_000);
    expect(running && s.child.exitCode === null, s.stderr()).toBe(true);
    const mockPids = childPids(s.child.pid!);
    expect(mockPids.length).toBeGreaterThan(0);
    process.kill(s.child.pid!, 'SIGKILL');
    await s.exit;
    expect(await until(() => mockPids.every((p) => !alive(p)), 10_000)).toBe(true);
  });

  it('an unreachable target exits 3 and still writes the result and the reports', async () => {
    const dir = await tempDir();
    const probe = await startMockExchange({});
    const url = probe.url;
    await probe.close();
    const suite = await writeTemp(dir, 'gone.suite.yaml', urlSuite(url));
    const out = join(dir, 'out');
    const s = spawnGroup(process.execPath, [...CLI, 'run', suite, '--out', out]);
    const { code } = await s.exit;
    expect(code, s.stderr()).toBe(3);
    expect(s.stderr()).toMatch(/target unreachable: nothing answered at .*\/health \(ECONNREFUSED\)/);
    expect(await readdir(out)).toEqual(expect.arrayContaining(['result.json', 'report.json', 'report.md']));
    const r = readResult(out);
    expect(r.meta.incomplete?.reason).toMatch(/unreachable/);
    expect(r.endpoints.health?.errors.network).toBe(1);
  });

  it('a /health slower than timeoutMs is named as such (not "unreachable"), exits 3 and keeps the probe', async () => {
    const { createServer } = await import('node:http');
    // Accepts connections and never answers.
    const server = createServer(() => undefined);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      const dir = await tempDir();
      const suite = await writeTemp(dir, 'slow.suite.yaml', urlSuite(`http://127.0.0.1:${port}`).replace('timeoutMs: 2000', 'timeoutMs: 300'));
      const out = join(dir, 'out');
      const s = spawnGroup(process.execPath, [...CLI, 'run', suite, '--out', out]);
      const { code } = await s.exit;
      expect(code, s.stderr()).toBe(3);
      expect(s.stderr()).toMatch(/target too slow: .*\/health did not answer within 300 ms/);
      expect(s.stderr()).not.toMatch(/unreachable/);
      const r = readResult(out);
      expect(r.meta.incomplete?.reason).toMatch(/too slow/);
      expect(r.endpoints.health?.errors.timeout).toBe(1);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});

describe('stopping the packed, installed CLI', () => {
  let mock: MockExchange;
  let pk: PackedInstall;
  beforeAll(async () => {
    mock = await startMockExchange({ seed: 6 });
    pk = await installPacked();
  }, 300_000);
  afterAll(async () => {
    await mock?.close();
  });

  async function whenLoading(s: Spawned, before: number): Promise<void> {
    const started = await until(() => loadRequests(mock) > before + 50 || s.child.exitCode !== null, 45_000);
    expect(started && s.child.exitCode === null, `the run did not start: ${s.stderr()}`).toBe(true);
  }

  it('the installed bin: SIGTERM stops the load, writes the reports and exits 3 (the documented invocation)', async () => {
    const dir = await tempDir();
    const suite = await writeTemp(dir, 'sig.suite.yaml', urlSuite(mock.url));
    const out = join(dir, 'out');
    const s = spawnGroup(pk.bin, ['run', suite, '--out', out], packedEnv(), pk.projectDir);
    await whenLoading(s, loadRequests(mock));
    process.kill(s.child.pid!, 'SIGTERM');
    await assertLoadStops(mock);
    const { code } = await s.exit;
    expect(code, s.stderr()).toBe(3);
    expect(readResult(out).meta.incomplete?.reason).toMatch(/SIGTERM/);
  });

  it.each([
    ['npm exec --no -- loadgate', ['exec', '--no', '--', 'loadgate']],
    ['npx --no -- loadgate', ['--no', '--', 'loadgate']],
  ])('%s: a SIGTERM to npm alone (npm forwards it to its sh -c, which dies) stops the load; the reports are written', async (_name, pre) => {
    const dir = await tempDir();
    const suite = await writeTemp(dir, 'sig.suite.yaml', urlSuite(mock.url));
    const out = join(dir, 'out');
    const s = spawnGroup(pre[0] === 'exec' ? 'npm' : 'npx', [...pre, 'run', suite, '--out', out], packedEnv(), pk.projectDir);
    await whenLoading(s, loadRequests(mock));
    process.kill(s.child.pid!, 'SIGTERM');
    await s.exit;
    await assertLoadStops(mock);
    expect(await until(() => existsSync(join(out, 'report.json')), 20_000)).toBe(true);
    expect(readResult(out).meta.incomplete?.reason).toMatch(/is gone/);
    killGroup(s.child.pid!, 'SIGKILL');
  });
});

/** Direct children of a process (Linux /proc). */
function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}
