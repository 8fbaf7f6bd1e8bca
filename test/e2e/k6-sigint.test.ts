/**
 * k6 gets exactly one SIGINT however a run is stopped (issue 15): a terminal's Ctrl-C signals the whole
 * foreground process group (loadgate and, unless it has its own group, k6), CI sends SIGTERM to loadgate.
 * A fake k6 (a shell script, not k6) counts every SIGINT it receives, then writes its summary and exits 105
 * as k6 does after one SIGINT. The CLI runs as its own process-group leader, like a shell job.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import { alive, until } from '../helpers/processes.js';

const RUNS = fileURLToPath(new URL('../../../shared/fixtures/k6/runs/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'lg-k6-sigint-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const FAKE = join(dir, 'k6');
// A Node script, not sh: sh runs a trap once for signals that arrive while it waits on a child, so it would
// count two quick SIGINTs as one; Node's handler sees each delivery, as k6's (Go) does.
writeFileSync(
  FAKE,
  `#!${process.execPath}
// Fake k6 (not k6): counts SIGINTs in $FAKE_K6_INTS, writes the summary 1 s after the first, exits 105.
const fs = require('node:fs');
const args = process.argv.slice(2);
if (args[0] === 'version') { console.log('k6 v1.3.0 (commit/fake, go1.25.1, linux/amd64)'); process.exit(0); }
const ndjson = args[args.indexOf('--out') + 1].replace(/^json=/, '');
const summary = args.find((a) => a.startsWith('--summary-export=')).slice('--summary-export='.length);
const ints = process.env.FAKE_K6_INTS;
fs.copyFileSync(${JSON.stringify(RUNS)} + 'err-sigint.ndjson', ndjson);
let first = false;
process.on('SIGINT', () => {
  fs.appendFileSync(ints, 'INT\\n');
  if (first) return;
  first = true;
  // Stay a while after the first SIGINT, so that a second one (the bug) arrives and is counted.
  setTimeout(() => { fs.copyFileSync(${JSON.stringify(RUNS)} + 'err-sigint.summary.json', summary); process.exit(105); }, 1000);
});
fs.writeFileSync(ints + '.started', String(process.pid));
setTimeout(() => process.exit(0), 30000);
`,
);
chmodSync(FAKE, 0o755);

const suite = join(dir, 'k6.suite.yaml');
writeFileSync(
  suite,
  `name: k6-sigint
target: { mock: { seed: 5 } }
workloads:
  - name: tick
    engine: k6
    load: { model: open, ratePerSec: 10, durationSec: 30 }
    mix: [{ endpoint: fetchTicker }]
`,
);

async function stoppedRun(name: string, stop: (pid: number) => void): Promise<{ k6Pid: number; code: number | null; ints: string[]; stderr: string; out: string }> {
  const ints = join(dir, `${name}.ints`);
  const out = join(dir, `${name}-out`);
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli.ts'), 'run', suite, '--out', out, '--format', 'json'], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1', K6_BIN: FAKE, FAKE_K6_INTS: ints },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group, as a shell gives a foreground job
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.resume();
  const exited = new Promise<number | null>((res) => child.on('close', (code) => res(code)));
  const guard = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 60_000);
  try {
    for (let i = 0; i < 600 && !existsSync(`${ints}.started`); i++) await new Promise((r) => setTimeout(r, 50));
    expect(existsSync(`${ints}.started`), stderr).toBe(true);
    stop(child.pid!);
    const code = await exited;
    return { k6Pid: Number(readFileSync(`${ints}.started`, 'utf8')), code, ints: existsSync(ints) ? readFileSync(ints, 'utf8').split('\n').filter(Boolean) : [], stderr, out };
  } finally {
    clearTimeout(guard);
  }
}

describe('stopping a k6 run', () => {
  it('terminal Ctrl-C (SIGINT to the whole process group): k6 gets one SIGINT, writes its summary, the run exits 3 with a report', async () => {
    const r = await stoppedRun('ctrl-c', (pid) => process.kill(-pid, 'SIGINT'));
    expect(r.ints, r.stderr).toEqual(['INT']);
    expect(r.code, r.stderr).toBe(3);
    const result = JSON.parse(readFileSync(join(r.out, 'result.json'), 'utf8')) as { meta: { incomplete?: { reason: string }; notes: string[] } };
    expect(result.meta.incomplete?.reason).toMatch(/one SIGINT/);
    expect(result.meta.notes.join('\n')).toMatch(/k6's own thresholds/);
  }, 90_000);

  it('SIGTERM to loadgate (a CI timeout): k6 gets one SIGINT and the run exits 3', async () => {
    const r = await stoppedRun('sigterm', (pid) => process.kill(pid, 'SIGTERM'));
    expect(r.ints, r.stderr).toEqual(['INT']);
    expect(r.code, r.stderr).toBe(3);
  }, 90_000);

  it('SIGKILL to loadgate (no exit handler runs): k6, in a process group of its own, is still stopped', async () => {
    const r = await stoppedRun('sigkill', (pid) => process.kill(pid, 'SIGKILL'));
    expect(r.code).toBe(null); // killed: nothing of loadgate's ran
    // The fake k6 would run on for 30 s; its guard sees loadgate's IPC channel close and ends it.
    const gone = await until(() => !alive(r.k6Pid), 15_000, 50);
    if (!gone) process.kill(r.k6Pid, 'SIGKILL');
    expect(gone, `fake k6 (pid ${r.k6Pid}) outlived a SIGKILLed loadgate by 15 s`).toBe(true);
    // It was stopped, not sent the graceful SIGINT meant for a run that is still there to read the summary.
    expect(r.ints).toEqual([]);
  }, 90_000);
});
