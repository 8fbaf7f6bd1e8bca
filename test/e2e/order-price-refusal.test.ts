/**
 * Issue 16 item 1: orders are only placed at a price read from the target. A ticker without `last` (one that
 * says `lastPrice`), one that answers 500, or none at all: set-up refuses, nothing is ordered, exit 3, and the
 * message names the symbol and what was read. Against a stand-in exchange on port 0.
 */
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, tempDir, writeTemp } from '../helpers/cli.js';

interface StandIn {
  url: string;
  orders: number;
  close(): Promise<void>;
}

async function standIn(ticker: (symbol: string) => { status: number; body: string }): Promise<StandIn> {
  const s: StandIn = { url: '', orders: 0, close: async () => {} };
  const server = http.createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    req.resume();
    if (u.pathname === '/health') return reply(200, { status: 'ok' });
    if (u.pathname === '/api/v1/markets') return reply(200, [{ symbol: 'BTC-USDT', tickSize: 0.1, stepSize: 0.0001, minQty: 0.0001 }]);
    if (u.pathname === '/api/v1/ticker') {
      const t = ticker(u.searchParams.get('symbol') ?? '');
      return reply(t.status, t.body);
    }
    if (u.pathname.startsWith('/api/v1/orders')) {
      if (req.method === 'POST') s.orders++;
      return reply(201, { orderId: String(s.orders), status: 'open' });
    }
    reply(404, { error: { code: 'notFound' } });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  s.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  s.close = () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r())));
  return s;
}

const suiteFor = (url: string, load: string, mix: string) => `
name: price-refusal
target: { url: "${url}", timeoutMs: 2000 }
workloads:
  - name: orders
    load: ${load}
    mix: ${mix}
    symbols: [BTC-USDT]
    order: { side: both, type: limit, notionalMin: 20, notionalMax: 100, priceOffsetPct: 5 }
sla: { overall: { successRatePct: 50 } }
`;

const closed = '{ model: closed, connections: 2, durationSec: 2 }';
const open = '{ model: open, ratePerSec: 20, durationSec: 2 }';

let server: StandIn | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('orders without a reference price', () => {
  it.each([
    ['closed (autocannon)', closed, '[{ endpoint: createOrder }, { endpoint: fetchTicker }]'],
    ['open', open, '[{ endpoint: createOrder }, { endpoint: cancelOrder }]'],
  ])('%s: a ticker that says lastPrice, not last: nothing is ordered, exit 3, the message names the symbol and the keys read', async (_name, load, mix) => {
    server = await standIn((symbol) => ({ status: 200, body: JSON.stringify({ symbol, lastPrice: '65000.5', volume: '12' }) }));
    const dir = await tempDir();
    const r = await runCli(['run', await writeTemp(dir, 's.yaml', suiteFor(server.url, load, mix)), '--out', `${dir}/out`]);
    expect(r.code).toBe(3);
    expect(server.orders).toBe(0);
    expect(r.stderr).toMatch(/BTC-USDT/);
    expect(r.stderr).toMatch(/no "last" field \(keys: symbol, lastPrice, volume\)/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('a ticker that answers 500: nothing is ordered, exit 3, the message names the symbol and the status', async () => {
    server = await standIn(() => ({ status: 500, body: JSON.stringify({ error: { code: 'internalError' } }) }));
    const dir = await tempDir();
    const r = await runCli(['run', await writeTemp(dir, 's.yaml', suiteFor(server.url, closed, '[{ endpoint: createOrder }]')), '--out', `${dir}/out`]);
    expect(r.code).toBe(3);
    expect(server.orders).toBe(0);
    expect(r.stderr).toMatch(/BTC-USDT: the ticker answered HTTP 500/);
  });

  it('a workload that places no orders still runs when the ticker lacks last', async () => {
    server = await standIn((symbol) => ({ status: 200, body: JSON.stringify({ symbol, lastPrice: '1' }) }));
    const dir = await tempDir();
    const r = await runCli(['run', await writeTemp(dir, 's.yaml', suiteFor(server.url, closed, '[{ endpoint: fetchTicker }]')), '--out', `${dir}/out`]);
    expect(r.code).toBe(0);
    expect(server.orders).toBe(0);
  });
});
