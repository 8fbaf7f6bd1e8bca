/**
 * Spawning k6: `k6 run --out json=… --summary-export=…`, progress from its 1-second status lines, exit
 * codes mapped (metrics.ts k6ExitMeaning), and on abort a single SIGINT (a second one makes k6 quit without
 * writing its summary: FORMATS.md §10), then we wait for it to exit and ingest whatever it wrote. k6 runs in
 * its own process group so that a terminal's Ctrl-C reaches it only through loadgate.
 */
import { spawn, type ChildProcess, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { RunError } from '../../errors.js';
import { k6ExitMeaning, type ExitMeaning } from './metrics.js';

export interface K6Invocation {
  bin: string;
  script: string;
  ndjsonPath: string;
  summaryPath: string;
  env: NodeJS.ProcessEnv;
  cwd: string;
  signal: AbortSignal;
  /** Called with k6's "N complete and M interrupted iterations" count (and the "V/M VUs" running) as it runs. */
  onIterations?: (complete: number, vus?: number) => void;
  /** Hard stop if k6 ignores the SIGINT for this long after it (ms). Default 60 s. */
  killAfterMs?: number;
}

export interface K6Exit extends ExitMeaning {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** loadgate sent k6 its SIGINT (the user pressed Ctrl-C or the run was stopped). */
  interrupted: boolean;
  stderrTail: string;
}

/** Arguments for `k6 run`. `--address ""` keeps parallel k6 processes from fighting over :6565 (v0.48). */
export function k6RunArgs(script: string, ndjsonPath: string, summaryPath: string): string[] {
  return ['run', '--out', `json=${ndjsonPath}`, `--summary-export=${summaryPath}`, '--address', '', script];
}

const isTs = import.meta.url.endsWith('.ts');
/** guard.ts beside this file (guard.js once built): it ends k6 when loadgate dies (see there). */
const GUARD = fileURLToPath(new URL(`./guard.${isTs ? 'ts' : 'js'}`, import.meta.url));
const GROUPS = process.platform !== 'win32';

/**
 * `k6 run …` started through its guard, as the leader of a process group of its own, with an IPC channel the
 * guard watches. Windows has neither groups nor this problem's signals: k6 is started directly there.
 */
function spawnGuarded(inv: K6Invocation): ChildProcessByStdio<null, Readable, Readable> {
  const args = k6RunArgs(inv.script, inv.ndjsonPath, inv.summaryPath);
  if (!GROUPS) return spawn(inv.bin, args, { cwd: inv.cwd, env: inv.env, stdio: ['ignore', 'pipe', 'pipe'] });
  // From sources the guard runs through tsx, resolved here: k6's cwd (the script's folder) may not see it.
  return spawn(process.execPath, [...(isTs ? ['--import', import.meta.resolve('tsx')] : []), GUARD, inv.bin, ...args], {
    cwd: inv.cwd,
    env: inv.env,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    detached: true,
  }) as ChildProcessByStdio<null, Readable, Readable>;
}

/** SIGKILL for k6 and its guard: the whole group, so neither can be left behind. */
function killHard(c: ChildProcess): void {
  if (c.exitCode !== null || c.signalCode !== null) return;
  try {
    if (GROUPS && c.pid !== undefined) process.kill(-c.pid, 'SIGKILL');
    else c.kill('SIGKILL');
  } catch {
    c.kill('SIGKILL');
  }
}

const ITERATIONS = /(?:(\d+)\/\d+ VUs, )?(\d+) complete and (\d+) interrupted iterations/;

export function runK6(inv: K6Invocation): Promise<K6Exit> {
  return new Promise((resolvePromise, reject) => {
    let child;
    try {
      // k6 gets its own process group (detached): a terminal's Ctrl-C signals the whole foreground group, so k6
      // would get that SIGINT and then loadgate's, and a second SIGINT makes k6 quit without its summary
      // (exit 105 becomes a hard stop; issue 15). loadgate forwards exactly one, on any stop (Ctrl-C, SIGTERM, abort).
      // A guard between them ends k6 if loadgate dies without a chance to (SIGKILL, OOM): guard.ts.
      child = spawnGuarded(inv);
    } catch (e) {
      reject(new RunError('LG_K6_SPAWN', `could not start k6 (${inv.bin}): ${(e as Error).message}`, { cause: e }));
      return;
    }
    // Outside loadgate's process group, k6 would outlive a loadgate that exits early (a second Ctrl-C, a crash).
    const c = child;
    const killOnExit = () => killHard(c);
    let spawnError: { code: string; message: string } | undefined;
    child.on('message', (m: { type?: string; code?: string; message?: string }) => {
      if (m.type === 'spawn-error') spawnError = { code: m.code ?? 'ERROR', message: m.message ?? '' };
    });
    process.once('exit', killOnExit);
    let stderrTail = '';
    let stdoutBuf = '';
    let interrupted = false;
    let killTimer: NodeJS.Timeout | undefined;
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      stdoutBuf = (stdoutBuf + d).slice(-4096);
      const all = [...stdoutBuf.matchAll(new RegExp(ITERATIONS, 'g'))];
      const last = all[all.length - 1];
      if (last && inv.onIterations) inv.onIterations(Number(last[2]), last[1] === undefined ? undefined : Number(last[1]));
    });
    child.stderr.on('data', (d: string) => {
      stderrTail = (stderrTail + d).slice(-8192);
    });
    const onAbort = () => {
      if (interrupted || child.exitCode !== null) return;
      interrupted = true;
      // Exactly one SIGINT: k6 stops gracefully, runs teardown and writes its summary (exit 105).
      child.kill('SIGINT');
      killTimer = setTimeout(() => killHard(c), inv.killAfterMs ?? 60_000);
      killTimer.unref();
    };
    if (inv.signal.aborted) onAbort();
    else inv.signal.addEventListener('abort', onAbort, { once: true });
    child.on('error', (e: NodeJS.ErrnoException) => {
      process.removeListener('exit', killOnExit);
      inv.signal.removeEventListener('abort', onAbort);
      reject(new RunError('LG_K6_SPAWN', `could not start k6 (${inv.bin}): ${e.code ?? e.message}`, { hint: 'check K6_BIN / PATH points at a k6 binary', cause: e }));
    });
    child.on('close', (code, signal) => {
      process.removeListener('exit', killOnExit);
      inv.signal.removeEventListener('abort', onAbort);
      if (killTimer) clearTimeout(killTimer);
      if (spawnError) {
        reject(new RunError('LG_K6_SPAWN', `could not start k6 (${inv.bin}): ${spawnError.code}`, { hint: 'check K6_BIN / PATH points at a k6 binary' }));
        return;
      }
      resolvePromise({ ...k6ExitMeaning(code, signal), code, signal, interrupted, stderrTail });
    });
  });
}

/** What a k6 whose `k6 version` said nothing readable is called in reports (never "k6 unknown"). */
export const K6_VERSION_UNREAD = '(version not reported by `k6 version`)';

/**
 * The version out of `k6 version`'s output: `k6 v0.48.0 (go1.21.4, linux/amd64)`, `k6 v1.3.0 (commit/…, go1.25.1,
 * linux/amd64)` (extensions follow on later lines), or a build that leaves out the `v`. Otherwise its first
 * line, so a report shows what the binary said.
 */
export function parseK6Version(out: string): string | undefined {
  const m = /\bk6\s+v?(\d+\.\d+\.\d+[\w.+-]*)/.exec(out);
  if (m) return `v${m[1]}`;
  const first = out.split('\n').map((l) => l.trim()).find(Boolean);
  return first ? first.slice(0, 60) : undefined;
}

/** `k6 version` (stdout and stderr) → "v0.48.0"; K6_VERSION_UNREAD when it could not be run or said nothing. */
export function k6Version(bin: string, env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((res) => {
    let out = '';
    try {
      const c = spawn(bin, ['version'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      // A cold k6 binary on a busy machine can take seconds to start.
      const t = setTimeout(() => c.kill('SIGKILL'), 20_000);
      c.stdout.setEncoding('utf8');
      c.stderr.setEncoding('utf8');
      c.stdout.on('data', (d: string) => (out += d));
      c.stderr.on('data', (d: string) => (out += d));
      c.on('error', () => res(K6_VERSION_UNREAD));
      c.on('close', () => {
        clearTimeout(t);
        res(parseK6Version(out) ?? K6_VERSION_UNREAD);
      });
    } catch {
      res(K6_VERSION_UNREAD);
    }
  });
}
