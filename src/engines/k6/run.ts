/**
 * Spawning k6: `k6 run --out json=… --summary-export=…`, progress from its 1-second status lines, exit
 * codes mapped (metrics.ts k6ExitMeaning), and on abort a single SIGINT (a second one makes k6 quit without
 * writing its summary: FORMATS.md §10), then we wait for it to exit and ingest whatever it wrote.
 */
import { spawn } from 'node:child_process';
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
  /** Called with k6's "N complete and M interrupted iterations" count as it runs. */
  onIterations?: (complete: number) => void;
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

const ITERATIONS = /(\d+) complete and (\d+) interrupted iterations/;

export function runK6(inv: K6Invocation): Promise<K6Exit> {
  return new Promise((resolvePromise, reject) => {
    let child;
    try {
      child = spawn(inv.bin, k6RunArgs(inv.script, inv.ndjsonPath, inv.summaryPath), { cwd: inv.cwd, env: inv.env, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      reject(new RunError('LG_K6_SPAWN', `could not start k6 (${inv.bin}): ${(e as Error).message}`, { cause: e }));
      return;
    }
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
      if (last && inv.onIterations) inv.onIterations(Number(last[1]));
    });
    child.stderr.on('data', (d: string) => {
      stderrTail = (stderrTail + d).slice(-8192);
    });
    const onAbort = () => {
      if (interrupted || child.exitCode !== null) return;
      interrupted = true;
      // Exactly one SIGINT: k6 stops gracefully, runs teardown and writes its summary (exit 105).
      child.kill('SIGINT');
      killTimer = setTimeout(() => child.kill('SIGKILL'), inv.killAfterMs ?? 60_000);
      killTimer.unref();
    };
    if (inv.signal.aborted) onAbort();
    else inv.signal.addEventListener('abort', onAbort, { once: true });
    child.on('error', (e: NodeJS.ErrnoException) => {
      inv.signal.removeEventListener('abort', onAbort);
      reject(new RunError('LG_K6_SPAWN', `could not start k6 (${inv.bin}): ${e.code ?? e.message}`, { hint: 'check K6_BIN / PATH points at a k6 binary', cause: e }));
    });
    child.on('close', (code, signal) => {
      inv.signal.removeEventListener('abort', onAbort);
      if (killTimer) clearTimeout(killTimer);
      resolvePromise({ ...k6ExitMeaning(code, signal), code, signal, interrupted, stderrTail });
    });
  });
}

/** `k6 version` → "v0.48.0" (or "unknown"). */
export function k6Version(bin: string, env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((res) => {
    let out = '';
    try {
      const c = spawn(bin, ['version'], { env, stdio: ['ignore', 'pipe', 'ignore'] });
      const t = setTimeout(() => c.kill('SIGKILL'), 10_000);
      c.stdout.setEncoding('utf8');
      c.stdout.on('data', (d: string) => (out += d));
      c.on('error', () => res('unknown'));
      c.on('close', () => {
        clearTimeout(t);
        res(/k6 (v[\w.+-]+)/.exec(out)?.[1] ?? 'unknown');
      });
    } catch {
      res('unknown');
    }
  });
}
