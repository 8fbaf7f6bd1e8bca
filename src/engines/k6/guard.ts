/**
 * k6's guard: a tiny process between loadgate and k6 that ends k6 when loadgate is gone (issue 14: "child
 * processes never outlive the run; a run whose parent dies stops itself").
 *
 * k6 runs in its own process group (run.ts says why), so nothing kills it when loadgate dies without running
 * its exit handlers: a SIGKILL, an out-of-memory kill, a crash in native code. k6 itself cannot be told to
 * watch its parent, so loadgate starts this guard instead, as the leader of k6's group, with an IPC channel.
 * The channel closes when loadgate dies, however it dies; the guard then stops k6 (SIGTERM, SIGKILL 2 s
 * later) and exits. Otherwise it is transparent:
 * - k6's stdout and stderr are loadgate's pipes (inherited), so progress and errors read the same;
 * - SIGINT, SIGTERM and SIGHUP sent to the guard are passed to k6, once each, as sent;
 * - the guard exits with k6's exit code, or dies of the signal that killed k6, so k6ExitMeaning reads it as
 *   it would read k6;
 * - a k6 that cannot be started (ENOENT, EACCES) is reported over IPC as `{ type: 'spawn-error', code }`.
 *
 * Usage (run.ts): `node guard.js <k6-bin> <arg>…` with stdio ['ignore', 'pipe', 'pipe', 'ipc'], detached.
 * It imports only node: modules, so it starts in a few tens of milliseconds.
 */
import { spawn } from 'node:child_process';

/** How long k6 gets to stop after loadgate is gone before it is killed (ms). */
const PARENT_GONE_KILL_MS = 2000;

const [bin, ...args] = process.argv.slice(2);
const send = (m: unknown): void => {
  if (!process.connected) return;
  try {
    process.send?.(m);
  } catch {
    // loadgate is gone: 'disconnect' below handles it
  }
};
process.on('error', () => undefined);

if (bin === undefined) {
  send({ type: 'spawn-error', code: 'EINVAL', message: 'no k6 binary given to the guard' });
  process.exit(2);
}

const k6 = spawn(bin, args, { stdio: ['ignore', 'inherit', 'inherit'] });
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(sig, () => {
    if (k6.exitCode === null && k6.signalCode === null) k6.kill(sig);
  });
}

let parentGone = false;
const stopK6 = (): void => {
  if (parentGone) return;
  parentGone = true;
  if (k6.exitCode !== null || k6.signalCode !== null) process.exit(0);
  k6.kill('SIGTERM');
  setTimeout(() => k6.kill('SIGKILL'), PARENT_GONE_KILL_MS).unref();
};
process.on('disconnect', stopK6);
// Started without a channel (by hand): nothing to watch, so behave like plain k6.
// A reparented guard (its parent died before the channel was up) is the backup check.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) stopK6();
}, 500).unref();

k6.on('error', (e: NodeJS.ErrnoException) => {
  send({ type: 'spawn-error', code: e.code ?? 'ERROR', message: e.message });
  // Let the message flush before the channel closes with the process.
  setTimeout(() => process.exit(127), 50);
});
k6.on('exit', (code, signal) => {
  if (signal !== null) {
    // Die of the same signal, so the parent sees what it would have seen from k6 itself.
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
    // A signal whose default is not to terminate (none of k6's) would land here.
    setTimeout(() => process.exit(128), 1000).unref();
    return;
  }
  process.exit(code ?? 0);
});
