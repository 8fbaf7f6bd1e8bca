/**
 * The server half of each exchange dialect's streams, one line each (adding a dialect: one file here, one line).
 * loadgate is absent on purpose: mocks/streams.ts speaks its protocol natively.
 */
import type { DialectName } from '../../src/dialect/registry.js';
import { binanceSpotStreams } from './binance-spot.js';
import { bybitV5Streams } from './bybit-v5.js';
import { okxV5Streams } from './okx-v5.js';
import type { EncoderFactory } from './types.js';

export const STREAM_DIALECTS: Readonly<Record<Exclude<DialectName, 'loadgate'>, EncoderFactory>> = {
  'binance-spot': binanceSpotStreams,
  'okx-v5': okxV5Streams,
  'bybit-v5': bybitV5Streams,
};
