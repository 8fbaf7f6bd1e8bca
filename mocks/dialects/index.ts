/**
 * The mock's speakers, one line per dialect (STYLE.md habit 14): a dialect's server bodies are one file here plus
 * one line below. The dialect's description (routes, signing, error replies) is src/dialect/<name>.
 */
import type { DialectName } from '../../src/dialect/index.js';
import { binanceSpotSpeaker } from './binance-spot.js';
import { loadgateSpeaker } from './loadgate.js';
import type { MockSpeakerFactory } from './types.js';

export const MOCK_SPEAKERS: Partial<Record<DialectName, MockSpeakerFactory>> = {
  loadgate: loadgateSpeaker,
  'binance-spot': binanceSpotSpeaker,
};

export { compileRoutes, type Route, type Router } from './routes.js';
export type { MockRequest, MockServerContext, MockSpeaker, MockSpeakerFactory, Reply } from './types.js';
export { MAX_BODY_BYTES } from './types.js';
