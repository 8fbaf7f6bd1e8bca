/**
 * The mock exchange in its own process, so the load generator and the target never share an event loop or a
 * core (a same-process target measures the generator's own pauses as target latency). `loadgate run` uses
 * this for `target.mock`; tests that need the handle in-process use startMockExchange directly.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { MockExchange, MockExchangeOptions, MockStats } from './index.js';

export interface MockProcess {
  url: string;
  wsUrl: string;
  pid: number;
  /** The mock's counters and its server-side time per route (see `MockExchange.serverTimeMs`), read over IPC. */
  stats(): Promise<MockProcessStats>;
  /** Zeroes the mock's counters and server-time histograms (fire and forget; later IPC messages see it done). */
  resetStats(): void;
  close(): Promise<void>;
}

export type MockProcessStats = MockStats & { serverTimeMs: ReturnType<MockExchange['serverTimeMs']> };

type ChildMessage = { type: 'ready'; url: string; wsUrl: string } | { type: 'stats'; stats: MockProcessStats } | { type: 'error'; message: string };

const isTs = import.meta.url.endsWith('.ts');

export async function startMockProcess(opts: MockExchangeOptions = {}, startTimeoutMs = 15_000): Promise<MockProcess> {
  const entry = fileURLToPath(new URL(`./child.${isTs ? 'ts' : 'js'}`, import.meta.url));
  const child: ChildProcess = fork(entry, [], {
    execArgv: isTs ? ['--import', 'tsx'] : [],
    env: { ...process.env, LOADGATE_MOCK_OPTIONS: JSON.stringify(opts) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = await new Promise<{ url: string; wsUrl: string }>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the mock exchange did not start within ${startTimeoutMs} ms`));
    }, startTimeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the mock exchange exited during start (code ${code})`));
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
  let closed: Promise<void> | undefined;
  return {
    ...ready,
    pid: child.pid!,
    stats: () =>
      new Promise((resolve, reject) => {
        if (!child.connected) return reject(new Error('the mock exchange process is gone'));
        const onMsg = (m: ChildMessage) => {
          if (m.type === 'stats') {
            child.off('message', onMsg);
            resolve(m.stats);
          }
        };
        child.on('message', onMsg);
        child.send({ type: 'stats' });
      }),
    resetStats: () => {
      if (child.connected) child.send({ type: 'reset' });
    },
    close: () =>
      (closed ??= new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const kill = setTimeout(() => child.kill('SIGKILL'), 3000);
        child.once('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        if (child.connected) child.send({ type: 'close' });
        else child.kill('SIGTERM');
      })),
  };
}
