/**
 * Live-order safety through the real CLI (issue 10, "Safety"): a workload that creates or cancels orders against
 * a target that is not loopback exits 2 before anything is contacted, unless the suite says
 * `target.allowLiveOrders: true` and the CLI is given `--live`. Remote targets are hostnames under `.invalid`
 * (they never resolve); a loopback server that counts connections stands in for everything else the run would
 * touch (the Pushgateway, the WebSocket URL), so "nothing was sent" is a count, not a guess.
 */
import http from 'node:http';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, tempDir, writeTemp } from '../helpers/cli.js';

interface Counter {
  url: string;
  connections: number;
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1:0 that answers 200 to anything and counts the connections it accepts. */
async function counter(): Promise<Counter> {
  const c: Counter = { url: '', connections: 0, close: async () => {} };
  const server = http.createServer((req, res) => {
    req.resume();
    res.end('{}');
  });
  server.on('connection', () => c.connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  c.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  c.close = () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r())));
  return c;
}

const suite = (target: string, orders = true) => `
name: live
target: { ${target}, timeoutMs: 2000 }
workloads:
  - name: reads
    load: { model: closed, connections: 1, durationSec: 1 }
    mix: [{ endpoint: fetchTicker }]
${orders ? `  - name: place-orders
    load: { model: open, ratePerSec: 2, durationSec: 1 }
    mix: [{ endpoint: createOrder }, { endpoint: cancelOrder }]
` : ''}`;

let server: Counter | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('loadgate run: orders against a target that is not loopback', () => {
  it('exits 2 naming the workload and the host, contacting nothing (Pushgateway and ws URL on a counting loopback server: 0 connections)', async () => {
    server = await counter();
    const dir = await tempDir();
    const file = await writeTemp(dir, 's.yaml', suite(`url: "https://api.exchange.invalid", wsUrl: "${server.url.replace('http', 'ws')}/ws"`));
    const r = await runCli(['run', file, '--out', join(dir, 'out'), '--prometheus-push', server.url]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/refusing to send orders to api\.exchange\.invalid/);
    expect(r.stderr).toMatch(/"place-orders" \(its mix has createOrder and cancelOrder\)/);
    expect(r.stderr).toMatch(/hint: .*allowLiveOrders: true.*--live/);
    // Refused up front: no name lookup or connection failed, no stack trace, no report.
    expect(r.stderr).not.toMatch(/unreachable|ENOTFOUND|EAI_AGAIN|\n\s+at /);
    expect(existsSync(join(dir, 'out'))).toBe(false);
    expect(server.connections).toBe(0);
  });

  it('the counting server does see a run that is allowed to start (control: read-only workloads go ahead and push)', async () => {
    server = await counter();
    const dir = await tempDir();
    const file = await writeTemp(dir, 's.yaml', suite('url: "https://api.exchange.invalid"', false));
    const r = await runCli(['run', file, '--out', join(dir, 'out'), '--prometheus-push', server.url]);
    expect(r.code).toBe(3); // the .invalid host never resolves
    expect(r.stderr).toMatch(/unreachable|too slow/); // however the resolver answers for .invalid
    expect(server.connections).toBeGreaterThan(0);
  });

  it.each([
    ['allowLiveOrders without --live', 'url: "https://api.exchange.invalid", allowLiveOrders: true', [], /`--live` on the command line is missing/],
    ['--live without allowLiveOrders', 'url: "https://api.exchange.invalid"', ['--live'], /`target\.allowLiveOrders: true` in the suite is missing/],
  ])('%s: still exit 2, the hint says what is missing', async (_name, target, args, hint) => {
    const dir = await tempDir();
    const r = await runCli(['run', await writeTemp(dir, 's.yaml', suite(target)), '--out', join(dir, 'out'), ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/refusing to send orders to api\.exchange\.invalid/);
    expect(r.stderr).toMatch(hint);
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  it('both opt-ins pass the policy: the run goes on to contact the target (which, under .invalid, is unreachable: exit 3)', async () => {
    const dir = await tempDir();
    const r = await runCli(['run', await writeTemp(dir, 's.yaml', suite('url: "https://api.exchange.invalid", allowLiveOrders: true')), '--out', join(dir, 'out'), '--live']);
    expect(r.code).toBe(3);
    expect(r.stderr).not.toMatch(/refusing/);
    expect(r.stderr).toMatch(/unreachable|too slow/); // however the resolver answers for .invalid
  });

  it('a loopback target needs no opt-in: the orders reach the local server', async () => {
    server = await counter();
    const dir = await tempDir();
    const r = await runCli(['run', await writeTemp(dir, 's.yaml', suite(`url: "${server.url}"`)), '--out', join(dir, 'out')]);
    expect(r.stderr).not.toMatch(/refusing/);
    expect(server.connections).toBeGreaterThan(0);
  });
});

describe('loadgate k6: the generated files would send orders', () => {
  const k6Suite = `
name: k6-live
target: { mock: true }
workloads:
  - name: order-lifecycle
    engine: k6
    load: { model: open, ratePerSec: 2, durationSec: 1 }
    mix: [{ endpoint: fetchTicker }]
`;
  it('k6 build / operator with a --target-url that is not loopback: exit 2, nothing written', async () => {
    const dir = await tempDir();
    const file = await writeTemp(dir, 's.yaml', k6Suite);
    for (const args of [['build', file, '--out', join(dir, 'build')], ['operator', file, '--parallelism', '2', '--out', join(dir, 'op')]]) {
      const r = await runCli(['k6', ...args, '--target-url', 'http://k6-target.invalid:8080']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/refusing to send orders to k6-target\.invalid, which is not loopback: workload "order-lifecycle" \(it runs the k6 order-lifecycle scenario/);
    }
    expect(existsSync(join(dir, 'build'))).toBe(false);
    expect(existsSync(join(dir, 'op'))).toBe(false);
  });
});
