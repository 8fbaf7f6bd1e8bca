/**
 * The mock's speakers, one line per dialect (STYLE.md habit 14): a dialect's server bodies are one file here plus
 * one line below. The dialect's description (routes, signing, error replies) is src/dialect/<name>.
 */
import type { DialectName } from '../../src/dialect/index.js';
import { binanceSpotSpeaker } from './binance-spot.js';
import { bybitV5Speaker } from './bybit-v5.js';
import { loadgateSpeaker } from './loadgate.js';
import { okxV5Speaker } from './okx-v5.js';
import type { MockSpeakerFactory } from './types.js';

export const MOCK_SPEAKERS: Readonly<Record<DialectName, MockSpeakerFactory>> = {
  loadgate: loadgateSpeaker,
  'binance-spot': binanceSpotSpeaker,
  'okx-v5': okxV5Speaker,
  'bybit-v5': bybitV5Speaker,
};

export { compileRoutes, type Route, type Router } from './routes.js';
export type { ExtraRoute, MockRequest, MockServerContext, MockSpeaker, MockSpeakerFactory, Reply } from './types.js';
export { MAX_BODY_BYTES } from './types.js';
