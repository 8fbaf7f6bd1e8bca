/**
 * Every bundle esbuild builds from scenarios/*.ts parses as ES2017 (what k6 0.48 loads: issue 9), imports only
 * k6 modules (read from the syntax tree and by the text scanner), parses as an ES module and
 * type-checks against @types/k6 (tsc --checkJs on the bundles); the TypeScript sources type-check too. Each
 * bundle speaks every dialect: run in a bare JavaScript context with k6's modules stood in for, it sends each
 * operation on the dialect's route, signed so that the dialect's server half verifies it.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createHmac } from 'node:crypto';
import vm from 'node:vm';
import { parse, type Node } from 'acorn';
import { transform } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECT_NAMES, getDialect, type DialectName } from '../../src/dialect/registry.js';
import { matchRoute } from '../../src/dialect/server.js';
import { verifyRequest } from '../../src/dialect/request.js';
import { buildScenarios, bundleImports, isK6Module, type BuiltBundle } from '../../src/engines/k6/build.js';
import { K6_SCENARIOS } from '../../src/engines/k6/config.js';
import { parseConfig, type LoadgateK6Config } from '../../src/engines/k6/script-config.js';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '../..');
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');
const dir = mkdtempSync(join(tmpdir(), 'lg-k6-build-'));
let bundles: BuiltBundle[] = [];

beforeAll(async () => {
  bundles = await buildScenarios(dir);
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every module a program names: import/export … from sources and require('…') calls anywhere in the tree. */
function moduleSources(program: Node): string[] {
  const out = new Set<string>();
  const visit = (n: unknown): void => {
    if (n === null || typeof n !== 'object') return;
    if (Array.isArray(n)) return n.forEach(visit);
    const o = n as { type?: string; source?: { value?: unknown }; callee?: { type?: string; name?: string }; arguments?: Array<{ type?: string; value?: unknown }> };
    if ((o.type === 'ImportDeclaration' || o.type === 'ExportNamedDeclaration' || o.type === 'ExportAllDeclaration') && typeof o.source?.value === 'string') out.add(o.source.value);
    if (o.type === 'CallExpression' && o.callee?.type === 'Identifier' && o.callee.name === 'require' && typeof o.arguments?.[0]?.value === 'string') out.add(o.arguments[0].value);
    for (const v of Object.values(o)) if (v !== null && typeof v === 'object') visit(v);
  };
  visit(program);
  return [...out];
}

/** The number of lines of esbuild's runtime-helper prologue (`var __name = …` statements after the banner). */
function prologueLines(code: string): number {
  const lines = code.split('\n');
  let end = 0;
  for (let i = 1; i < lines.length; i++) {
    const l = lines[i]!;
    if (/^var __\w+ = /.test(l) || /^\s/.test(l) || /^[}\]);]/.test(l)) end = i + 1;
    else if (l.trim() !== '') break;
  }
  return end;
}

describe('the k6 scenario bundles', () => {
  it('are built for every scenario', () => {
    expect(bundles.map((b) => b.scenario)).toEqual([...K6_SCENARIOS]);
  });

  it('import only k6 and k6/* modules', () => {
    for (const b of bundles) {
      const imports = bundleImports(readFileSync(b.path, 'utf8'));
      expect(imports.length, b.scenario).toBeGreaterThan(0);
      expect(imports.filter((s) => !isK6Module(s)), b.scenario).toEqual([]);
    }
  });

  it('export what k6 needs: options and a default function (or an exec function)', () => {
    for (const b of bundles) {
      const code = readFileSync(b.path, 'utf8');
      expect(code, b.scenario).toMatch(/export\s*\{[^}]*\boptions\b/);
      expect(code, b.scenario).toMatch(/as default\b|export default/);
    }
  });

  it('notices a non-k6 import (the import scanner is not blind)', () => {
    expect(bundleImports('import x from "node:fs";\nimport { a } from "k6/http";\nexport { b } from "./lib.js";').sort()).toEqual(['./lib.js', 'k6/http', 'node:fs']);
    expect(isK6Module('k6')).toBe(true);
    expect(isK6Module('k6x')).toBe(false);
  });

  it('parse as ES2017 modules (acorn, ecmaVersion 2017: k6 0.48 rejects object spread and newer syntax)', () => {
    for (const b of bundles) {
      const code = readFileSync(b.path, 'utf8');
      expect(() => parse(code, { ecmaVersion: 2017, sourceType: 'module' }), b.scenario).not.toThrow();
    }
  });

  it('import only k6 and k6/* modules, read from the ES2017 syntax tree (import/export declarations and require calls)', () => {
    for (const b of bundles) {
      const specs = moduleSources(parse(readFileSync(b.path, 'utf8'), { ecmaVersion: 2017, sourceType: 'module' }));
      expect(specs.length, b.scenario).toBeGreaterThan(0);
      expect(specs.filter((s) => !isK6Module(s)), b.scenario).toEqual([]);
      expect(specs.sort(), b.scenario).toEqual(bundleImports(readFileSync(b.path, 'utf8')).sort());
    }
  });

  it('are checked by a parser that really stops at ES2017 (object spread and ?? are refused)', () => {
    expect(() => parse('const a = {}; export const b = { ...a };', { ecmaVersion: 2017, sourceType: 'module' })).toThrow(SyntaxError);
    expect(() => parse('export const c = null ?? 1;', { ecmaVersion: 2017, sourceType: 'module' })).toThrow(SyntaxError);
    expect(moduleSources(parse('import a from "k6";\nexport * from "./x.js";\nrequire("fs");', { ecmaVersion: 2017, sourceType: 'module' })).sort()).toEqual(['./x.js', 'fs', 'k6']);
  });

  it('a bundling failure names the scenario folder, not a repository script (`npm run typecheck`)', async () => {
    const err = await buildScenarios(join(dir, 'bad'), ['no-such-scenario' as never]).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'LG_K6_BUILD', exitCode: 3 });
    expect((err as { hint: string }).hint).not.toMatch(/npm run/);
    expect((err as { hint: string }).hint).toMatch(/scenario sources are in \S*scenarios/);
  });

  it('parse as ES modules (node --check)', async () => {
    for (const b of bundles) await expect(run(process.execPath, ['--check', b.path]), b.scenario).resolves.toBeDefined();
  });

  it('type-check against @types/k6 (tsc --checkJs on the bundled JavaScript; esbuild\'s own lowering helpers aside)', async () => {
    const args = [TSC, '--allowJs', '--checkJs', '--noEmit', '--skipLibCheck', '--types', 'k6', '--typeRoots', join(ROOT, 'node_modules/@types'), '--module', 'esnext', '--moduleResolution', 'bundler', '--target', 'es2020', '--lib', 'es2020', ...bundles.map((b) => b.path)];
    const r = await run(process.execPath, args, { cwd: ROOT }).catch((e: { stdout: string }) => ({ stdout: e.stdout, failed: true }));
    // The dialects' object spreads lower to esbuild's `var __spreadValues = …` prologue at ES2017, which tsc
    // cannot type (its `for (var prop …)` loops reuse one name); the prologue is esbuild's, not ours.
    const helperLines = new Map(bundles.map((b) => [b.path, prologueLines(readFileSync(b.path, 'utf8'))]));
    const ours = r.stdout.split('\n').filter((l) => {
      const m = /^(.*\.js)\((\d+),\d+\)/.exec(l);
      if (m === null) return l.trim() !== '';
      const file = bundles.find((b) => b.path.endsWith(m[1]!.replace(/^(\.\.\/)+/, '/')))?.path;
      return !(file !== undefined && Number(m[2]) <= helperLines.get(file)!);
    });
    expect(ours).toEqual([]);
    expect(prologueLines('// banner\nvar __defProp = Object.defineProperty;\nvar __spreadValues = (a, b) => {\n  return a;\n};\n\n// src/x.ts\nvar y = 1;\n')).toBe(5);
  }, 120_000);

  it('come from TypeScript sources that type-check with scenarios/tsconfig.json (k6 types only)', async () => {
    const r = await run(process.execPath, [TSC, '-p', join(ROOT, 'scenarios/tsconfig.json'), '--noEmit'], { cwd: ROOT }).catch((e: { stdout: string }) => ({ stdout: e.stdout }));
    expect(r.stdout).toBe('');
  }, 120_000);
});

// ---- the bundles in a bare context, once per dialect ------------------------------------------------------

const CREDS = { apiKey: 'k6-key', apiSecret: 'k6-secret', passphrase: 'k6-pass' };
const nodeHmac = (algo: 'sha256', secret: string, payload: string, enc: 'hex' | 'base64') => createHmac(algo, secret).update(payload).digest(enc);

/** Success bodies in each dialect's shape, just what its readers need. */
const BODIES: Record<DialectName, { ticker: string; created: string; ok: string }> = {
  loadgate: { ticker: '{"symbol":"BTC-USDT","last":"100.5"}', created: '{"orderId":"o-1","status":"open"}', ok: '{"status":"canceled"}' },
  'binance-spot': { ticker: '{"symbol":"BTCUSDT","lastPrice":"100.5"}', created: '{"symbol":"BTCUSDT","orderId":28}', ok: '{}' },
  'okx-v5': { ticker: '{"code":"0","msg":"","data":[{"instId":"BTC-USDT","last":"100.5"}]}', created: '{"code":"0","msg":"","data":[{"ordId":"312","sCode":"0"}]}', ok: '{"code":"0","msg":"","data":[{"ordId":"312","sCode":"0"}]}' },
  'bybit-v5': { ticker: '{"retCode":0,"retMsg":"OK","result":{"list":[{"symbol":"BTCUSDT","lastPrice":"100.5"}]}}', created: '{"retCode":0,"retMsg":"OK","result":{"orderId":"b-9"}}', ok: '{"retCode":0,"retMsg":"OK","result":{}}' },
};

interface Sent {
  method: string;
  url: string;
  body: string | null;
  headers: Record<string, string>;
  name: string;
}
interface Sample {
  metric: string;
  value: number;
  tags: Record<string, string>;
  metadata: Record<string, string | number | boolean>;
}

/** Loads a bundle (its ES module syntax turned into CommonJS) in a fresh context whose only modules are k6 stand-ins. */
async function loadBundle(path: string, dialect: DialectName, mix: Array<{ endpoint: string; weight: number }>, ws?: { frames: string[] }, custom?: Pick<LoadgateK6Config, 'customMix' | 'customEndpoints'>) {
  const { code } = await transform(readFileSync(path, 'utf8'), { format: 'cjs', target: 'es2017', loader: 'js' });
  const d = getDialect(dialect);
  const sent: Sent[] = [];
  const samples: Sample[] = [];
  const wsSent: string[] = [];
  const wsUrls: string[] = [];
  const metadata: Record<string, string | number | boolean> = {};
  const answer = (method: string, url: string): { status: number; body: string } => {
    const u = new URL(url);
    const route = matchRoute(d, method, u.pathname);
    // A custom endpoint's path (no dialect route): the target has it.
    if (route === undefined) return custom !== undefined && u.pathname.startsWith('/custom/') ? { status: 200, body: BODIES[dialect].ok } : { status: 404, body: '{}' };
    if (route.op === 'fetchTicker') return { status: 200, body: BODIES[dialect].ticker };
    if (route.op === 'createOrder') return { status: 200, body: BODIES[dialect].created };
    if (route.op === 'fetchMarkets') return { status: 200, body: '[]' };
    return { status: 200, body: BODIES[dialect].ok };
  };
  class Metric {
    constructor(readonly name: string) {}
    add(value: number | boolean, tags: Record<string, string> = {}) {
      samples.push({ metric: this.name, value: Number(value), tags, metadata: { ...metadata } });
    }
  }
  const modules: Record<string, unknown> = {
    'k6/http': {
      default: {
        request: (method: string, url: string, body: string | null, params: { headers: Record<string, string>; tags: { name: string } }) => {
          sent.push({ method, url, body, headers: params.headers, name: params.tags.name });
          return Object.assign(answer(method, url), { error: '' });
        },
      },
    },
    'k6/crypto': { default: { hmac: nodeHmac } },
    'k6/execution': { default: { vu: { idInTest: 1, metrics: { metadata } }, scenario: { startTime: Date.now() } } },
    'k6/metrics': { Counter: Metric, Trend: Metric, Rate: Metric, Gauge: Metric },
    k6: { check: () => true, group: (_n: string, f: () => void) => f(), sleep: () => undefined },
    'k6/ws': {
      default: {
        connect: (url: string, _params: unknown, cb: (s: unknown) => void) => {
          wsUrls.push(url);
          const handlers: Record<string, (m?: string) => void> = {};
          const timers: Array<() => void> = [];
          cb({ on: (ev: string, f: (m?: string) => void) => (handlers[ev] = f), send: (f: string) => wsSent.push(f), setTimeout: (f: () => void) => timers.push(f), setInterval: () => undefined, close: () => handlers.close?.() });
          handlers.open?.();
          for (const f of ws?.frames ?? []) handlers.message?.(f);
          // The unsubscribe timer, the server's ack, then the close timer.
          timers[0]?.();
          handlers.message?.('{"op":"ack","id":2,"lastSeq":6}');
          timers[1]?.();
          return { status: 101 };
        },
      },
    },
  };
  const config = { version: 1, dialect, baseUrl: 'http://127.0.0.1:1', wsUrl: 'ws://127.0.0.1:1/ws', workload: 'w', load: { model: 'stream', connections: 1, connectRatePerSec: 1, durationSec: 60 }, mix, symbols: ['BTC/USDT'], order: { side: 'buy', type: 'limit', notionalMin: 100, notionalMax: 100, priceOffsetPct: 5 }, streams: [{ channel: 'orderbook' }], timeoutMs: 1000, thresholds: {}, ...custom };
  const sandbox: Record<string, unknown> = {
    __ENV: { LOADGATE_CONFIG_JSON: JSON.stringify(config), LOADGATE_API_KEY: CREDS.apiKey, LOADGATE_API_SECRET: CREDS.apiSecret, LOADGATE_API_PASSPHRASE: CREDS.passphrase },
    require: (m: string) => {
      if (!(m in modules)) throw new Error(`the bundle asked for ${m}`);
      // An ES module namespace, as k6 gives one (its default export is `default`).
      return Object.assign({ __esModule: true }, modules[m]);
    },
    module: { exports: {} as Record<string, unknown> },
  };
  sandbox.exports = (sandbox.module as { exports: unknown }).exports;
  vm.createContext(sandbox);
  vm.runInContext(code, sandbox, { timeout: 5000 });
  for (const name of ['process', 'Buffer', 'URLSearchParams', 'TextEncoder']) expect(vm.runInContext(`typeof ${name}`, sandbox), name).toBe('undefined');
  const exports = (sandbox.module as { exports: Record<string, unknown> }).exports;
  return { exports, sent, samples, wsSent, wsUrls, d };
}

describe('the k6 scenario bundles speak every dialect', () => {
  it.each(DIALECT_NAMES)('%s: rest-mix reads set-up, sends each operation on the dialect route, signed so the dialect verifies it', async (name) => {
    const b = bundles.find((x) => x.scenario === 'rest-mix')!;
    const mix = ['fetchTicker', 'fetchOrderBook', 'createOrder', 'cancelOrder'].map((endpoint) => ({ endpoint, weight: 1 }));
    const { exports, sent, samples, d } = await loadBundle(b.path, name, mix);
    const data = (exports.setup as () => { prices: Record<string, number> })();
    expect(data.prices).toEqual({ 'BTC/USDT': 100.5 });
    for (let i = 0; i < 8; i++) (exports.default as (x: unknown) => void)(data);
    const measured = sent.filter((s) => !s.name.startsWith('setup:'));
    expect(measured.map((s) => s.name).sort()).toEqual(['cancelOrder', 'cancelOrder', 'createOrder', 'createOrder', 'fetchOrderBook', 'fetchOrderBook', 'fetchTicker', 'fetchTicker']);
    for (const s of measured) {
      const u = new URL(s.url);
      expect(matchRoute(d, s.method, u.pathname)?.op, `${s.method} ${u.pathname}`).toBe(s.name);
      if (!d.rest[s.name as 'createOrder'].signed) continue;
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(s.headers)) headers[k.toLowerCase()] = v;
      const v = verifyRequest(d, { method: s.method, url: u.pathname + u.search, headers, body: s.body ?? '' }, (key) => (key === CREDS.apiKey ? CREDS : undefined), Date.now(), nodeHmac);
      expect(v, `${name} ${s.name}`).toEqual({ ok: true, apiKey: CREDS.apiKey });
    }
    // The created orders are reported (id as metadata), and the cancels of them too; nothing was an error.
    const orders = samples.filter((x) => x.metric === 'loadgate_orders').map((x) => x.tags.lg_order);
    expect(orders).toEqual(['created', 'closed', 'created', 'closed']);
    expect(samples.filter((x) => x.metric === 'loadgate_orders').every((x) => typeof x.metadata.lg_order_id === 'string' && x.metadata.lg_symbol === 'BTC/USDT')).toBe(true);
    expect(samples.filter((x) => x.metric === 'loadgate_errors')).toEqual([]);
  });

  it.each(DIALECT_NAMES)('%s: rest-mix sends the suite\'s own endpoints (issue 10): method, filled path and params, signed so the dialect verifies it, tagged with their name', async (name) => {
    const b = bundles.find((x) => x.scenario === 'rest-mix')!;
    const custom = {
      customMix: [{ endpoint: 'openOrders', weight: 2 }, { endpoint: 'riskLimits', weight: 1, depth: 7 }],
      customEndpoints: {
        openOrders: { method: 'POST' as const, path: '/custom/openOrders', params: { symbol: '{symbol}', limit: 5 }, signed: true },
        riskLimits: { method: 'GET' as const, path: '/custom/risk/{symbol}', params: { depth: '{depth}' } },
      },
    };
    const { exports, sent, samples, d } = await loadBundle(b.path, name, [{ endpoint: 'createOrder', weight: 1 }], undefined, custom);
    const data = (exports.setup as () => unknown)();
    for (let i = 0; i < 8; i++) (exports.default as (x: unknown) => void)(data);
    const measured = sent.filter((s) => !s.name.startsWith('setup:'));
    const byName = (n: string) => measured.filter((s) => s.name === n);
    // Weighted round robin over createOrder 1, openOrders 2, riskLimits 1: 8 iterations are 2, 4 and 2.
    expect([byName('createOrder').length, byName('openOrders').length, byName('riskLimits').length]).toEqual([2, 4, 2]);
    const sym = d.symbols.toExchange('BTC/USDT');
    for (const s of byName('riskLimits')) {
      const u = new URL(s.url);
      expect(s.method).toBe('GET');
      expect(u.pathname).toBe(`/custom/risk/${encodeURIComponent(sym)}`);
      expect(u.searchParams.get('depth')).toBe('7');
      expect(Object.keys(s.headers).map((k) => k.toLowerCase()).filter((k) => /sign|key|passphrase/.test(k)), 'public: not signed').toEqual([]);
    }
    for (const s of byName('openOrders')) {
      const u = new URL(s.url);
      expect(s.method).toBe('POST');
      expect(u.pathname).toBe('/custom/openOrders');
      // json by default for POST (a dialect may sign the body differently, but the symbol travels in it or the query).
      expect(`${u.search} ${s.body ?? ''}`).toContain(sym);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(s.headers)) headers[k.toLowerCase()] = v;
      const v = verifyRequest(d, { method: s.method, url: u.pathname + u.search, headers, body: s.body ?? '' }, (key) => (key === CREDS.apiKey ? CREDS : undefined), Date.now(), nodeHmac);
      expect(v, `${name} openOrders`).toEqual({ ok: true, apiKey: CREDS.apiKey });
    }
    // Answered 200 in the dialect's shape: no error sample; the created orders are still reported.
    expect(samples.filter((x) => x.metric === 'loadgate_errors')).toEqual([]);
    expect(samples.filter((x) => x.metric === 'loadgate_orders').map((x) => x.tags.lg_order)).toEqual(['created', 'created']);
  });

  it('a failed custom request is classified in the dialect and reported under its endpoint name', async () => {
    const b = bundles.find((x) => x.scenario === 'rest-mix')!;
    const custom = { customMix: [{ endpoint: 'gone', weight: 1 }], customEndpoints: { gone: { method: 'GET' as const, path: '/nowhere' } } };
    const { exports, sent, samples } = await loadBundle(b.path, 'binance-spot', [], undefined, custom);
    const data = (exports.setup as () => unknown)();
    for (let i = 0; i < 3; i++) (exports.default as (x: unknown) => void)(data);
    expect(sent.filter((s) => !s.name.startsWith('setup:')).map((s) => s.name)).toEqual(['gone', 'gone', 'gone']);
    const errors = samples.filter((x) => x.metric === 'loadgate_errors');
    expect(errors.map((x) => [x.tags.name, x.tags.lg_status, x.tags.lg_class])).toEqual([['gone', '404', 'client'], ['gone', '404', 'client'], ['gone', '404', 'client']]);
  });

  it('a config whose custom mix names an endpoint it does not declare is refused, naming it', () => {
    const base = { version: 1, baseUrl: 'http://127.0.0.1:1', workload: 'w', load: { model: 'closed' }, mix: [], symbols: ['BTC/USDT'] };
    expect(() => parseConfig(JSON.stringify({ ...base, customMix: [{ endpoint: 'x', weight: 1 }] }))).toThrow(/customMix names "x", which customEndpoints does not declare/);
    expect(parseConfig(JSON.stringify({ ...base, customMix: [{ endpoint: 'x', weight: 1 }], customEndpoints: { x: { method: 'GET', path: '/x' } } })).customMix).toHaveLength(1);
  });

  it.each(DIALECT_NAMES)('%s: orderbook-ws connects to the dialect URL and subscribes with its frames', async (name) => {
    const b = bundles.find((x) => x.scenario === 'orderbook-ws')!;
    const frames = name === 'loadgate' ? [1, 2, 4, 4, 3].map((seq) => `{"channel":"orderbook","symbol":"BTC-USDT","seq":${seq},"ts":${Date.now() * 1000},"data":{}}`) : [];
    const { exports, samples, wsSent, wsUrls, d } = await loadBundle(b.path, name, [], { frames });
    (exports.default as () => void)();
    const subs = [{ channel: 'orderbook' as const, symbol: 'BTC/USDT' }];
    expect(wsUrls).toEqual([d.stream.url('ws://127.0.0.1:1/ws', subs)]);
    expect(wsSent.slice(0, d.stream.subscribe(subs, 1).length)).toEqual(d.stream.subscribe(subs, 1));
    if (name !== 'loadgate') return;
    // seqs 1, 2, 4, 4 (duplicate), 3 (late), and the unsubscribe ack's lastSeq 6: 5 and 6 never came.
    const count = (metric: string) => samples.filter((x) => x.metric === metric).reduce((a, x) => a + x.value, 0);
    expect(count('ws_updates')).toBe(4);
    expect(count('ws_duplicates')).toBe(1);
    expect(count('ws_reordered')).toBe(1);
    expect(count('ws_seq_gap')).toBe(2);
    expect(samples.filter((x) => x.metric === 'ws_msg_loss').map((x) => x.value).sort()).toEqual([0, 0, 0, 0, 1, 1]);
  });
});
