/** Child-process entry for startMockProcess: start the mock, answer stats/close over IPC. */
import { startMockExchange } from './exchange.js';

const send = (m: unknown) => process.send?.(m);
try {
  const opts = JSON.parse(process.env.LOADGATE_MOCK_OPTIONS ?? '{}') as Record<string, unknown>;
  const mock = await startMockExchange(opts as never);
  // Ctrl-C goes to the whole process group; the parent decides when the mock stops.
  process.on('SIGINT', () => {});
  process.on('message', (m: { type?: string }) => {
    if (m.type === 'stats') send({ type: 'stats', stats: { ...mock.stats, serverTimeMs: mock.serverTimeMs() } });
    else if (m.type === 'reset') mock.resetStats();
    else if (m.type === 'close') void mock.close().then(() => process.exit(0));
  });
  process.on('disconnect', () => void mock.close().then(() => process.exit(0)));
  send({ type: 'ready', url: mock.url, wsUrl: mock.wsUrl });
} catch (e) {
  send({ type: 'error', message: (e as Error).message });
  process.exit(1);
}
