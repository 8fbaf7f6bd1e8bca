/**
 * Servers on 127.0.0.1, port 0, for tests: `listen` returns the base URL, and every server listened in a test is
 * closed (its connections too) after that test, last opened first. Call `loopbackServers()` once at the top of a test file.
 */
import type http from 'node:http';
import type net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';

export function loopbackServers(): { listen(server: net.Server): Promise<string>; closeLast(): Promise<void>; defer(close: () => Promise<void>): void } {
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    while (closers.length) await closers.pop()!();
  });
  return {
    async listen(server) {
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      closers.push(
        () =>
          new Promise<void>((r) => {
            (server as http.Server).closeAllConnections?.();
            server.close(() => r());
          }),
      );
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    /** Closes the server listened last now (e.g. to leave a port that nothing listens on). */
    closeLast: () => closers.pop()!(),
    /** Something else to close after the test (a client), before the servers listened earlier. */
    defer: (close) => void closers.push(close),
  };
}

/**
 * Connections that carried a health request: the engines' warm-up (set-up's own reads go through fetch, on
 * connections of their own). Feed it every request the server sees.
 */
export function healthConnections(): { see(req: http.IncomingMessage): void; open(): number; opened(): number } {
  const warm = new WeakSet<object>();
  let open = 0;
  let opened = 0;
  return {
    see(req) {
      if (req.url !== '/health' || warm.has(req.socket)) return;
      warm.add(req.socket);
      open++;
      opened++;
      req.socket.on('close', () => open--);
    },
    open: () => open,
    opened: () => opened,
  };
}
