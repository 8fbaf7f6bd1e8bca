/** Test helpers for the k6 tests: a fake CliIO capturing output synchronously. */
import { Writable } from 'node:stream';
import type { CliIO } from '../../src/commands/types.js';

export function fakeIO(cwd: string, env: NodeJS.ProcessEnv = {}, signal: AbortSignal = new AbortController().signal): CliIO & { out(): string; err(): string } {
  let o = '';
  let e = '';
  const stdout = new Writable({ write: (c: Buffer, _enc, cb) => ((o += c.toString()), cb()) });
  const stderr = new Writable({ write: (c: Buffer, _enc, cb) => ((e += c.toString()), cb()) });
  return { stdout, stderr, env, cwd, signal, out: () => o, err: () => e };
}
