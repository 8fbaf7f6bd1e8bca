/** The built-in mock exchange: start it, configure it, read its counters. */
export { startMockExchange, type MockExchange, type MockExchangeDeps, type MockStats } from './exchange.js';
export {
  DEFAULT_MOCK_CREDENTIALS,
  DEFAULT_MOCK_SYMBOLS,
  mockOptionsSchema,
  type MockExchangeConfig,
  type MockExchangeOptions,
} from './options.js';
export {
  MOCK_ENDPOINTS,
  faultSpecSchema,
  faultsSchema,
  type FaultSpec,
  type LatencySpec,
  type MockEndpoint,
  type MockFaults,
  type MockRouteName,
  type StallSpec,
} from './faults.js';
export { BOOK_STEP_MS, MarketSimulator, type MarketInfo, type OrderBookSnapshot, type Ticker } from './orderbook.js';
export { createRng, type Rng } from './rng.js';
