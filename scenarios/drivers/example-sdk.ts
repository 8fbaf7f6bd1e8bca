/**
 * An example SDK driver (issue 11): the shape of an in-house unified SDK, created per exchange
 * (`createExchange('hyperliquid', { testnet: true })`), with ccxt's method names and signatures. loadgate's sdk
 * engine times each of its methods; point a workload at it with
 *
 *   driver: { module: ./drivers/example-sdk.ts, options: { recvWindowMs: 5000 } }
 *
 * It speaks whatever the target speaks (`ctx.dialect`: the built-in mock's `loadgate` by default) through
 * loadgate's dialect descriptions (src/dialect): request building and signing, response readers, error codes.
 * Your own driver would instead wrap your SDK: `export default (ctx) => createExchange(ctx.exchange, { … })`.
 *
 * The contract (src/engines/sdk/contract.ts): a default-exported factory `(ctx) => client`; the client has the
 * unified methods the mix names, an optional `loadMarkets()` (set-up, not timed), an optional
 * `classifyError(err)` mapping its exceptions to loadgate's error classes, and an optional `close()`.
 * A Node module (it runs in loadgate's process, not in k6): node:crypto and fetch are fine here.
 */
import { createHmac } from 'node:crypto';
import { buildRequest, classify, getDialect, type Classified, type Dialect, type MarketInfo, type OperationInput, type OperationName } from '../../src/dialect/index.js';
import type { ClassifiedError, DriverContext, SdkClient } from '../../src/engines/sdk/contract.js';
import { snap } from '../../src/workload/plan.js';

/** What the SDK throws when the exchange refuses a call: its HTTP status, body and classification. */
export class ExampleSdkError extends Error {
  override name = 'ExampleSdkError';
  constructor(
    readonly method: string,
    readonly status: number,
    readonly body: string,
    readonly classified: Classified,
  ) {
    super(`${method}: HTTP ${status} ${classified.errorClass}${classified.errorCode ? ` ${classified.errorCode}` : ''}: ${body.slice(0, 200)}`);
  }
}

export interface ExampleTicker {
  symbol: string;
  last: number | undefined;
  info: unknown;
}

const hmac = (algorithm: 'sha256', secret: string, payload: string, encoding: 'hex' | 'base64'): string => createHmac(algorithm, secret).update(payload).digest(encoding);


export class ExampleSdk implements SdkClient {
  private readonly dialect: Dialect;
  private markets = new Map<string, MarketInfo>();
  private seq = 0;
  private extraHeaders: Readonly<Record<string, string>> = {};

  constructor(private readonly ctx: DriverContext) {
    this.dialect = getDialect(ctx.dialect);
  }

  private async call(op: OperationName, input: OperationInput = {}): Promise<string> {
    const creds = this.ctx.credentials;
    const recvWindowMs = typeof this.ctx.options.recvWindowMs === 'number' ? this.ctx.options.recvWindowMs : undefined;
    const req = buildRequest(this.dialect, op, input, creds ? { credentials: creds, timestampMs: Date.now(), hmac, ...(recvWindowMs !== undefined ? { recvWindowMs } : {}) } : undefined);
    const res = await fetch(this.ctx.baseUrl + req.path, { method: req.method, headers: { accept: 'application/json', ...this.extraHeaders, ...req.headers }, body: req.body ?? null, signal: AbortSignal.timeout(this.ctx.timeoutMs) });
    const body = await res.text();
    const c = classify(this.dialect.errors, res.status, body);
    if (c !== undefined) throw new ExampleSdkError(op, res.status, body, c);
    return body;
  }

  async loadMarkets(): Promise<Record<string, MarketInfo>> {
    const list = this.dialect.readers.markets(await this.call('fetchMarkets'));
    this.markets = new Map(list.map((m) => [m.symbol, m]));
    return Object.fromEntries(this.markets);
  }

  async fetchMarkets(): Promise<MarketInfo[]> {
    return this.dialect.readers.markets(await this.call('fetchMarkets'));
  }

  async fetchTicker(symbol: string): Promise<ExampleTicker> {
    const body = await this.call('fetchTicker', { symbol });
    return { symbol, last: this.dialect.readers.lastPrice(body), info: JSON.parse(body) as unknown };
  }

  async fetchOrderBook(symbol: string, limit?: number): Promise<unknown> {
    return JSON.parse(await this.call('fetchOrderBook', { symbol, ...(limit !== undefined ? { depth: limit } : {}) })) as unknown;
  }

  async fetchTime(): Promise<number | undefined> {
    return this.dialect.readers.serverTimeMs(await this.call('fetchTime'));
  }

  /** Amount and price are rounded to the market's step and tick (from loadMarkets), as ccxt does. */
  async createOrder(symbol: string, type: 'limit' | 'market', side: 'buy' | 'sell', amount: number, price?: number): Promise<{ id: string | undefined; info: unknown }> {
    const m = this.markets.get(symbol);
    const qty = m ? Math.max(m.minQty, snap(amount, m.stepSize)) : amount;
    const px = price === undefined ? undefined : m ? snap(price, m.tickSize) : price;
    const clientOrderId = this.dialect.clientOrderId(`ex-${process.pid}-${++this.seq}`);
    const body = await this.call('createOrder', { order: { symbol, side, type, qty, clientOrderId, ...(px !== undefined ? { price: px } : {}) } });
    return { id: this.dialect.readers.orderId(body), info: JSON.parse(body) as unknown };
  }

  async cancelOrder(id: string, symbol: string): Promise<unknown> {
    return JSON.parse(await this.call('cancelOrder', { orderId: id, symbol })) as unknown;
  }

  /** The SDK's refusals by the dialect's code table; a trading error counts under its reason (insufficientMargin …). */
  classifyError(err: unknown): ClassifiedError | undefined {
    if (!(err instanceof ExampleSdkError)) return undefined;
    const c = err.classified;
    const code = c.reason ?? c.errorCode;
    return code === undefined ? { errorClass: c.errorClass } : { errorClass: c.errorClass, errorCode: code };
  }

  /** loadgate's clean-up starts: mark the requests so the mock keeps them out of the measured run's stats. */
  phase(_phase: 'cleanup', headers: Readonly<Record<string, string>>): void {
    this.extraHeaders = headers;
  }

  close(): void {
    this.markets.clear();
  }
}

export default function createDriver(ctx: DriverContext): ExampleSdk {
  return new ExampleSdk(ctx);
}
