/**
 * Options of the built-in mock exchange. The schema is the spec: a suite file embeds it as
 * `target.mock`, and `startMockExchange` validates with it once at start (never per request).
 */
import { z } from 'zod';
import { streamOptionsSchema } from './streams.js';
import { DEFAULT_RECV_WINDOW_MS } from '../scenarios/lib/auth.js';
import { faultsSchema } from './faults.js';

export const DEFAULT_MOCK_SYMBOLS: readonly string[] = Object.freeze(['BTC-USDT', 'ETH-USDT', 'SOL-USDT', 'XRP-USDT']);

/** The API key pair the mock accepts when `credentials` is not set. */
export const DEFAULT_MOCK_CREDENTIALS: Readonly<{ apiKey: string; apiSecret: string }> = Object.freeze({
  apiKey: 'lg-test-key',
  apiSecret: 'lg-test-secret',
});

const symbolSchema = z.string().regex(/^[A-Z0-9]{2,15}-[A-Z0-9]{2,15}$/, { error: 'expected an upper-case "BASE-QUOTE" pair like "BTC-USDT"' });

const credentialSchema = z.strictObject({ apiKey: z.string().min(1), apiSecret: z.string().min(1) });

export const rateLimitSchema = z.union([
  z.literal(false),
  z.strictObject({
    /** Burst size: requests allowed at once from a full bucket. */
    capacity: z.number().int().positive(),
    /** Tokens added per second. */
    refillPerSec: z.number().positive(),
  }),
]);

export const mockOptionsSchema = z.strictObject({
  /** TCP port; 0 (default) picks a free one. */
  port: z.number().int().min(0).max(65_535).default(0),
  /** Interface to listen on. Default `127.0.0.1`. */
  host: z.string().min(1).default('127.0.0.1'),
  /** Seeds every random choice (latency, errors, book movement). Default 1. */
  seed: z.number().int().default(1),
  /** Markets to list. Default BTC-, ETH-, SOL- and XRP-USDT. */
  symbols: z
    .array(symbolSchema)
    .min(1)
    .refine((s) => new Set(s).size === s.length, { error: 'symbols must not repeat' })
    .default(() => [...DEFAULT_MOCK_SYMBOLS]),
  /** API key pairs accepted on private endpoints. Default one pair, `DEFAULT_MOCK_CREDENTIALS`. */
  credentials: z
    .array(credentialSchema)
    .min(1)
    .refine((c) => new Set(c.map((k) => k.apiKey)).size === c.length, { error: 'each apiKey must appear once' })
    .default(() => [{ ...DEFAULT_MOCK_CREDENTIALS }]),
  /** Largest accepted |server time - x-lg-timestamp|, in ms; a request's x-lg-recv-window may narrow it. Default 5000. */
  recvWindowMs: z.number().int().positive().default(DEFAULT_RECV_WINDOW_MS),
  /**
   * Token bucket per API key (private endpoints) and per remote address (public ones), or `false`.
   * Default 100 000 burst, 100 000/s: generous enough that default load tests never hit it.
   */
  rateLimit: rateLimitSchema.default({ capacity: 100_000, refillPerSec: 100_000 }),
  /** Quote-currency balance of each API key; open orders reserve their notional. Default 1e12. */
  balance: z.number().positive().default(1e12),
  /** Injected faults by endpoint (or `default`); change them at run time with `setFaults`. Default none. */
  faults: faultsSchema.default({}),
  /** Options of the WebSocket part (mocks/streams.ts); passed through untouched. */
  ws: streamOptionsSchema.optional(),
});

export type MockExchangeOptions = z.input<typeof mockOptionsSchema>;
/** Options after validation, with defaults filled in. */
export type MockExchangeConfig = z.output<typeof mockOptionsSchema>;
