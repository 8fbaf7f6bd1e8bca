/**
 * `loadgate run --dry-run` through the real CLI: prints the plan, exit 0, sends nothing (the target is a loopback
 * server that counts connections: 0), writes no report; invalid input still exits 2.
 */
import http from 'node:http';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir, writeTemp } from '../helpers/cli.js';

async function countingServer(): Promise<{ url: string; connections: () => number; close: () => Promise<void> }> {
  let n = 0;
  const server = http.createServer((req, res) => (req.resume(), res.end('{}')));
  server.on('connection', () => n++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    connections: () => n,
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

const suite = (target: string) => `
name: plan
target: { ${target} }
workloads:
  - name: reads
    load: { model: closed, connections: 4, durationSec: 10 }
    mix: [{ endpoint: fetchTicker, weight: 3 }, { endpoint: fetchOrderBook }]
  - name: orders
    load: { model: open, ratePerSec: 20, durationSec: 10 }
    mix: [{ endpoint: createOrder }, { endpoint: cancelOrder }]
    order: { notionalMin: 20, notionalMax: 40 }
`;

describe('loadgate run --dry-run', () => {
  it('prints the plan, exit 0, and sends nothing (0 connections to a loopback target), writes no report', async () => {
    const server = await countingServer();
    try {
      const dir = await tempDir();
      const r = await runCli(['run', await writeTemp(dir, 's.yaml', suite(`url: "${server.url}", maxRatePerSec: 30`)), '--dry-run', '--out', join(dir, 'out')]);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^Dry run of plan: nothing is sent\./);
      expect(r.stdout).toMatch(/Workload reads: engine closed, 10 s\n {2}load: closed, 4 connections × 10 s, limited to 15 req\/s by target\.maxRatePerSec/);
      expect(r.stdout).toMatch(/fetchTicker +GET \/api\/v1\/ticker +75%/);
      expect(r.stdout).toMatch(/Workload orders: engine open, 10 s\n {2}load: open, 15 req\/s.*\(capped by target\.maxRatePerSec: ratePerSec 20 → 15\)\n {2}requests expected: 150/);
      expect(r.stdout).toMatch(/createOrder +POST \/api\/v1\/orders +~75 +signed/);
      expect(r.stdout).toMatch(/cancelOrder +DELETE \/api\/v1\/orders\/\{orderId\} +~75 +signed/);
      expect(r.stdout).toMatch(/orders: ~75 created during the run, plus up to 200 created at set-up/);
      expect(r.stdout).toMatch(/each 20–40 USDT notional .*total ~2,250 USDT \(1,500–3,000\)/);
      expect(r.stdout).toMatch(/price: limit, 2% away from the last price .*unknown until then/);
      expect(r.stdout).toMatch(/Live orders: none, the target is loopback/);
      expect(server.connections()).toBe(0);
      expect(existsSync(join(dir, 'out'))).toBe(false);
    } finally {
      await server.close();
    }
  });

  it('against a host that is not loopback: exit 0, says a real run would be refused', async () => {
    const dir = await tempDir();
    const r = await runCli(['run', await writeTemp(dir, 's.yaml', suite('url: "https://api.exchange.invalid"')), '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Live orders: a real run would be REFUSED \(exit 2\): .*api\.exchange\.invalid.*"orders"/);
    expect(r.stdout).toMatch(/requests: not bounded by a rate/);
    expect(r.stderr).not.toMatch(/ENOTFOUND|unreachable/);
  });

  it('invalid input is still exit 2', async () => {
    const dir = await tempDir();
    const r = await runCli(['run', await writeTemp(dir, 's.yaml', suite('url: "http://127.0.0.1:9", maxRatePerSec: -1')), '--dry-run']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/target\.maxRatePerSec/);
    expect(r.stdout).toBe('');
  });
});
