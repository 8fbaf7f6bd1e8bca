import { describe, expect, it } from 'vitest';
import { parseStructured, parseSuite } from '../../src/suite/load.js';
import { suiteJsonSchema } from '../../src/suite/schema.js';
import { InputError } from '../../src/errors.js';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const base = { target: { mock: true }, workloads: [{ name: 'w', load: { model: 'closed', connections: 2, durationSec: 1 }, mix: [{ endpoint: 'fetchTicker' }] }] };

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return (e as Error).message;
  }
  throw new Error('expected an InputError');
}

describe('suite files', () => {
  it('accepts a minimal suite and fills defaults', () => {
    const s = parseSuite('s.suite.yaml', base);
    expect(s.name).toBe('s');
    expect(s.target.healthPath).toBe('/health');
    expect(s.workloads[0]!.symbols.length).toBeGreaterThan(0);
  });

  it('names the path of every problem, as the user wrote it', () => {
    expect(messageOf(() => parseSuite('f.yaml', { ...base, workloads: [{ ...base.workloads[0], load: { model: 'closed', connections: '8', durationSec: 1 } }] }))).toMatch(
      /f\.yaml: workloads\[0\]\.load\.connections: expected number, got "8"/,
    );
    expect(messageOf(() => parseSuite('f.yaml', { ...base, sla: { endpoints: { fetchTicker: { p95Ms: '300ms' } } } }))).toMatch(/sla\.endpoints\.fetchTicker\.p95Ms/);
    expect(messageOf(() => parseSuite('f.yaml', { ...base, extra: 1 }))).toMatch(/\(root\): unknown key "extra"/);
    expect(messageOf(() => parseSuite('f.yaml', { ...base, target: { url: 'ftp://x' } }))).toMatch(/target\.url: expected an http/);
    expect(messageOf(() => parseSuite('f.yaml', { ...base, target: {} }))).toMatch(/exactly one of `url`/);
    expect(messageOf(() => parseSuite('f.yaml', { ...base, workloads: [{ ...base.workloads[0], mix: [{ endpoint: 'fetchTickr' }] }] }))).toMatch(/mix\[0\]\.endpoint: expected one of "fetchMarkets"/);
  });

  it('accepts durations as seconds or as strings with a unit', () => {
    const s = parseSuite('s.yaml', { ...base, warmupSec: '2s', workloads: [{ ...base.workloads[0], load: { model: 'closed', connections: 1, durationSec: '1m' } }] });
    expect(s.warmupSec).toBe(2);
    expect(s.workloads[0]!.load).toMatchObject({ durationSec: 60 });
    expect(messageOf(() => parseSuite('s.yaml', { ...base, warmupSec: '2 parsecs' }))).toMatch(/warmupSec: expected a duration/);
  });

  it('rejects an empty file and broken YAML with the file name', () => {
    expect(messageOf(() => parseStructured('e.yaml', '  \n'))).toMatch(/e\.yaml: the file is empty/);
    expect(messageOf(() => parseStructured('b.yaml', 'a: [1, 2'))).toMatch(/b\.yaml: not valid YAML/);
    expect(messageOf(() => parseSuite('l.yaml', [1, 2]))).toMatch(/expected a suite/);
  });

  it('validates every suite shipped in scenarios/', () => {
    const dir = join(import.meta.dirname, '../../scenarios');
    const files = readdirSync(dir).filter((f) => f.endsWith('.suite.yaml'));
    expect(files.length).toBeGreaterThan(0);
    // The full path: a driver module is found relative to its suite file.
    for (const f of files) expect(() => parseSuite(join(dir, f), parse(readFileSync(join(dir, f), 'utf8')))).not.toThrow();
  });

  it('emits a JSON Schema that editors can use, equal to the committed scenarios/suite.schema.json', () => {
    const schema = suiteJsonSchema() as { properties: Record<string, unknown> };
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['target', 'workloads', 'sla']));
    const committed = JSON.parse(readFileSync(join(import.meta.dirname, '../../scenarios/suite.schema.json'), 'utf8'));
    expect(committed).toEqual(JSON.parse(JSON.stringify(schema)));
  });
});
