/** Options of the built-in mock exchange: the schema is part of the suite spec (src/suite/mock-options.ts). */
export {
  DEFAULT_MOCK_SYMBOLS,
  DEFAULT_MOCK_CREDENTIALS,
  rateLimitSchema,
  mockOptionsSchema,
  type MockExchangeOptions,
  type MockExchangeConfig,
} from '../src/suite/mock-options.js';
