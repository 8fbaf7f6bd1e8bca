/**
 * The driver contract (issue 11): what a workload's `driver` must provide so the sdk engine can time the client
 * library users ship (ccxt, or their own SDK) instead of raw HTTP.
 *
 * A driver module exports a factory (`default` or `createDriver`): `(ctx: DriverContext) => SdkClient` (or a
 * promise of one). The client has the unified methods the mix names, with ccxt's signatures:
 *
 *   fetchMarkets()                                     fetchTicker(symbol)
 *   fetchOrderBook(symbol, limit?)                     cancelOrder(id, symbol)
 *   createOrder(symbol, type, side, amount, price?)  → { id }
 *   loadMarkets?()  (set-up only, never timed)         close?()  (after the run, never timed)
 *   phase?('cleanup', headers)  (the end-of-run clean-up starts: send these headers from now on)
 *   classifyError?(err) → { errorClass, errorCode? } | undefined   (the SDK's exceptions → loadgate's classes)
 *
 * plus any other method a workload names in `driver.methods` (called with that entry's `args`). Symbols are
 * unified (`BTC/USDT`); amounts and prices are plain numbers the SDK rounds to the market's precision, as ccxt does.
 * `classifyError` may also be exported by the module itself. Pure types: no runtime code here.
 */
import type { ErrorClass } from '../../result/model.js';
import type { DialectName } from '../../dialect/registry.js';

export interface DriverContext {
  /** The target's base URL, e.g. http://127.0.0.1:43121 (the built-in mock, a staging gateway, a testnet). */
  baseUrl: string;
  /** The target's WebSocket URL. */
  wsUrl: string;
  /** The exchange API the target speaks (`target.dialect`). */
  dialect: DialectName;
  /** API credentials from the environment variables the suite names (the mock's test pair for the built-in mock). */
  credentials: { apiKey: string; apiSecret: string; passphrase?: string } | undefined;
  /** A call with no answer after this long should fail (the suite's `target.timeoutMs`). */
  timeoutMs: number;
  /** `driver.options` from the suite, passed through untouched. */
  options: Record<string, unknown>;
  /** `driver.exchange` from the suite, when set (e.g. `binance`, `hyperliquid`). */
  exchange: string | undefined;
}

/** How a failed call is counted. `errorCode` is what the result's `errorCodes` counts (for trading errors: the reason). */
export interface ClassifiedError {
  errorClass: ErrorClass;
  errorCode?: string;
}

export type ClassifyError = (err: unknown) => ClassifiedError | undefined;

/** The object a driver factory returns. Methods are looked up by name; the five operations have ccxt's signatures. */
export interface SdkClient {
  fetchMarkets?(): Promise<unknown>;
  fetchTicker?(symbol: string): Promise<unknown>;
  fetchOrderBook?(symbol: string, limit?: number): Promise<unknown>;
  createOrder?(symbol: string, type: 'limit' | 'market', side: 'buy' | 'sell', amount: number, price?: number, params?: Record<string, unknown>): Promise<{ id?: unknown }>;
  cancelOrder?(id: string, symbol: string): Promise<unknown>;
  /** Set-up: markets (and whatever else the SDK caches) are loaded here, outside the measured window. */
  loadMarkets?(): Promise<unknown>;
  classifyError?: ClassifyError;
  /**
   * The end-of-run clean-up (cancelling the orders the run left resting) starts: send `headers` with every request
   * from now on (`x-loadgate-phase: cleanup`), so a test target such as the built-in mock keeps them out of the
   * measured run's stats. Optional.
   */
  phase?(phase: 'cleanup', headers: Readonly<Record<string, string>>): void;
  close?(): Promise<void> | void;
}

export type DriverFactory = (ctx: DriverContext) => SdkClient | Promise<SdkClient>;

/** What a driver module exports. */
export interface DriverModule {
  default?: DriverFactory;
  createDriver?: DriverFactory;
  classifyError?: ClassifyError;
}
