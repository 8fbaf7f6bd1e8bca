/**
 * The mock exchange in its own process, so the load generator and the target never share an event loop or a
 * core (a same-process target measures the generator's own pauses as target latency). `loadgate run` uses
 * this for `target.mock`, `loadgate mock` to serve one; tests that need the handle in-process use
 * startMockExchange (mocks/) directly.
 *
 * The library does not import the mock (it is a leaf on top of it, like the k6 scripts): it starts the mock's
 * entry point, `mocks/child`, as a separate program by path, as it starts k6, and speaks to it over IPC with the
 * contract in src/suite/mock-options.ts (options in, `MockStats` out).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { LatencySummaryMs } from './result/histogram.js';
import type { MockExchangeOptions, MockRouteName, MockStats } from './suite/mock-options.js';

export interface MockProcess {
  url: string;
  wsUrl: string;
  pid: number;
  /** The mock's counters and its server-side time per route (see `MockExchange.serverTimeMs`), read over IPC. */
  stats(): Promise<MockProcessStats>;
  /** Zeroes the mock's counters and server-time histograms (fire and forget; later IPC messages see it done). */
  resetStats(): void;
  /** Set once the mock process has exited on its own (killed, crashed) before `close()`: how it ended. */
  readonly exited: string | undefined;
  close(): Promise<void>;
}

/** The mock's counters plus its server-side time per route (`MockExchange.serverTimeMs()` in mocks/exchange.ts). */
export type MockProcessStats = MockStats & { serverTimeMs: Partial<Record<MockRouteName, LatencySummaryMs>> };

type ChildMessage = { type: 'ready'; url: string; wsUrl: string } | { type: 'stats'; stats: MockProcessStats } | { type: 'error'; message: string };

const isTs = import.meta.url.endsWith('.ts');

export async function startMockProcess(opts: MockExchangeOptions = {}, startTimeoutMs = 15_000): Promise<MockProcess> {
  // src/mock-process.ts → mocks/child.ts from sources; dist/src/mock-process.js → dist/mocks/child.js when built.
  const entry = fileURLToPath(new URL(`../mocks/child.${isTs ? 'ts' : 'js'}`, import.meta.url));
  const child: ChildProcess = fork(entry, [], {
    execArgv: isTs ? ['--import', 'tsx'] : [],
    env: { ...process.env, LOADGATE_MOCK_OPTIONS: JSON.stringify(opts) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  // After start, the mock may die under the run (a SIGTERM to the whole process group, a crash): IPC writes to
  // it then fail with EPIPE / ERR_IPC_CHANNEL_CLOSED, as an 'error' event or a throw. Neither may crash the run.
  child.on('error', () => undefined);
  const ready = await new Promise<{ url: string; wsUrl: string }>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the mock exchange did not start within ${startTimeoutMs} ms`));
    }, startTimeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the mock exchange exited during start (${signal ? `killed by ${signal}` : `code ${code}`})`));
    });
    child.on('message', (m: ChildMessage) => {
      if (m.type === 'ready') {
        clearTimeout(timer);
        resolve({ url: m.url, wsUrl: m.wsUrl });
      } else if (m.type === 'error') {
        clearTimeout(timer);
        reject(new Error(m.message));
      }
    });
  });
  child.removeAllListeners('exit');
  let exited: string | undefined;
  let closing = false;
  const exitedPromise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      if (!closing) exited = signal ? `killed by ${signal}` : `exited with code ${code}`;
      resolve();
    });
  });
  const send = (m: unknown): boolean => {
    if (!child.connected) return false;
    try {
      child.send(m as never, (err) => void err);
      return true;
    } catch {
      return false;
    }
  };
  let closed: Promise<void> | undefined;
  return {
    ...ready,
    pid: child.pid!,
    get exited() {
      return exited;
    },
    stats: () =>
      new Promise((resolve, reject) => {
        if (!child.connected) return reject(new Error(`the mock exchange process is gone${exited ? ` (${exited})` : ''}`));
        const onMsg = (m: ChildMessage) => {
          if (m.type === 'stats') {
            done();
            resolve(m.stats);
          }
        };
        const onGone = () => {
          done();
          reject(new Error(`the mock exchange process is gone${exited ? ` (${exited})` : ''}`));
        };
        const done = () => {
          child.off('message', onMsg);
          child.off('disconnect', onGone);
        };
        child.on('message', onMsg);
        child.once('disconnect', onGone);
        if (!send({ type: 'stats' }) && !child.connected) onGone();
      }),
    resetStats: () => {
      send({ type: 'reset' });
    },
    close: () =>
      (closed ??= new Promise<void>((resolve) => {
        closing = true;
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const kill = setTimeout(() => child.kill('SIGKILL'), 3000);
        void exitedPromise.then(() => {
          clearTimeout(kill);
          resolve();
        });
        if (!send({ type: 'close' })) child.kill('SIGKILL');
      })),
  };
}
