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

describe('files nested too deeply', () => {
  it('say so in words, not with V8\'s "Maximum call stack size exceeded"', async () => {
    const { parseStructured } = await import('../../src/suite/load.js');
    const deep = `a: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`;
    let message = '';
    try {
      parseStructured('deep.yaml', deep);
    } catch (e) {
      message = (e as Error).message;
      expect((e as { code?: string }).code).toBe('LG_FILE_SYNTAX');
    }
    expect(message).toMatch(/^deep\.yaml: not valid YAML: nested too deeply to read/);
    expect(message).not.toMatch(/call stack/);
  });
});
