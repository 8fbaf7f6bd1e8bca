/**
 * The dialects must load where k6 runs them: esbuild bundles the folder the way `loadgate k6 build` bundles
 * scenarios (platform neutral, es2017: k6 0.48 rejects object spread), and the bundle runs in a bare JavaScript context: no require, process,
 * Buffer, URLSearchParams or TextEncoder, as in k6's runtime.
 */
import { createHmac } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import type { hmac as k6Hmac } from 'k6/crypto';
import type * as DialectModule from '../../src/dialect/index.js';
import type { HmacFn } from '../../src/dialect/index.js';
import { loadAsK6 } from '../helpers/k6-loadable.js';

// Type-level: k6/crypto's hmac is an HmacFn as it is, so a scenario passes it straight in.
export type K6HmacFits = typeof k6Hmac extends HmacFn ? true : never;
const k6HmacFits: K6HmacFits = true;
void k6HmacFits;

const entry = fileURLToPath(new URL('../../src/dialect/index.ts', import.meta.url));

describe('dialect bundle', () => {
  it('bundles without Node built-ins and runs in a bare context (signing with an injected HMAC, decoding, sequence)', async () => {
    const { exports, sandbox } = await loadAsK6(entry, 'dialects');
    for (const name of ['require', 'process', 'Buffer', 'URLSearchParams', 'TextEncoder']) expect(vm.runInContext(`typeof ${name}`, sandbox), name).toBe('undefined');
    const d = exports as typeof DialectModule;
    expect(d.DIALECT_NAMES).toEqual(['loadgate', 'binance-spot', 'okx-v5', 'bybit-v5']);
    const calls: string[] = [];
    // Stands in for k6/crypto's hmac(algo, secret, data, encoding); checked against node:crypto below.
    const hmac = (algo: 'sha256', secret: string, payload: string, enc: 'hex' | 'base64') => {
      calls.push(payload);
      return createHmac(algo, secret).update(payload).digest(enc);
    };
    for (const name of d.DIALECT_NAMES) {
      const w = d.buildRequest(d.getDialect(name), 'cancelOrder', { symbol: 'BTC/USDT', orderId: '1' }, { credentials: { apiKey: 'k', apiSecret: 's', passphrase: 'p' }, timestampMs: 1_700_000_000_000, hmac });
      expect(w.method, name).toMatch(/^(POST|DELETE)$/);
    }
    expect(calls).toHaveLength(4);
    const t = new d.SequenceTracker(d.getDialect('okx-v5').stream.sequence.orderbook);
    const ev = d.getDialect('okx-v5').stream.decode('{"arg":{"channel":"books","instId":"BTC-USDT"},"action":"snapshot","data":[{"ts":"1","prevSeqId":-1,"seqId":5}]}');
    expect(ev.kind).toBe('data');
    if (ev.kind === 'data') expect(t.observe(ev.seq)).toBe('new');
  });
});
