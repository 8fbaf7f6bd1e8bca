/** Issue 16 item 10: messages that name the right unit. `ratePerSec` is a rate, not "a number in seconds". */
import { describe, expect, it } from 'vitest';
import { parseSuite } from '../../src/suite/load.js';

const suite = (load: Record<string, unknown>) => ({ target: { mock: true }, workloads: [{ name: 'w', load, mix: [{ endpoint: 'fetchTicker' }] }] });

describe('suite error messages', () => {
  it('a rate is "a number per second", a duration "in seconds"', () => {
    expect(() => parseSuite('s.yaml', suite({ model: 'open', ratePerSec: 'fast', durationSec: 1 }))).toThrow(/workloads\[0\]\.load\.ratePerSec: expected a number per second, got "fast"/);
    expect(() => parseSuite('s.yaml', suite({ model: 'open', ratePerSec: 'fast', durationSec: 1 }))).not.toThrow(/in seconds/);
    expect(() => parseSuite('s.yaml', suite({ model: 'stream', connections: 1, connectRatePerSec: 'x', durationSec: 1 }))).toThrow(/connectRatePerSec: expected a number per second/);
  });
});
