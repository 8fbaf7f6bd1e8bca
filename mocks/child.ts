/** Child-process entry for startMockProcess: start the mock, answer stats/close over IPC. */
import { startMockExchange } from './exchange.js';

// The parent decides when the mock stops: a Ctrl-C or a SIGTERM sent to the whole process group (a CI
// cancel, `kill -- -PGID`) reaches this process too, and the run must still be able to read the mock's stats
// and close it in order. Set before anything else, so a signal during start-up cannot kill it either.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});

/** IPC send that never throws: the parent may be gone (EPIPE / ERR_IPC_CHANNEL_CLOSED). */
const send = (m: unknown): void => {
  if (!process.connected) return;
  try {
    process.send?.(m, undefined, {}, () => undefined);
  } catch {
    // the parent is gone; 'disconnect' below ends this process
  }
};
// An IPC write that fails after the parent died is reported as an 'error' event; it is not a crash.
process.on('error', () => undefined);

let closing = false;
const exitWhenClosed = (close: () => Promise<void>): void => {
  if (closing) return;
  closing = true;
  // Bounded: the mock never outlives its run by more than a few seconds, even if a socket will not close.
  setTimeout(() => process.exit(0), 3000).unref();
  void close().then(
    () => process.exit(0),
    () => process.exit(0),
  );
};

try {
  const opts = JSON.parse(process.env.LOADGATE_MOCK_OPTIONS ?? '{}') as Record<string, unknown>;
  const mock = await startMockExchange(opts as never);
  process.on('message', (m: { type?: string }) => {
    if (m.type === 'stats') send({ type: 'stats', stats: { ...mock.stats, serverTimeMs: mock.serverTimeMs() } });
    else if (m.type === 'reset') mock.resetStats();
    else if (m.type === 'close') exitWhenClosed(() => mock.close());
  });
  // The parent died (even by SIGKILL): the IPC channel closes. A reparented process (ppid changed) is the backup.
  process.on('disconnect', () => exitWhenClosed(() => mock.close()));
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) exitWhenClosed(() => mock.close());
  }, 500).unref();
  if (!process.connected) exitWhenClosed(() => mock.close());
  send({ type: 'ready', url: mock.url, wsUrl: mock.wsUrl });
} catch (e) {
  send({ type: 'error', message: (e as Error).message });
  process.exit(1);
}
