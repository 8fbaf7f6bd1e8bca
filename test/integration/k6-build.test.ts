/**
 * Every bundle esbuild builds from scenarios/*.ts parses as ES2017 (what k6 0.48 loads: issue 9), imports only
 * k6 modules (read from the syntax tree and by the text scanner), parses as an ES module and
 * type-checks against @types/k6 (tsc --checkJs on the bundles); the TypeScript sources type-check too.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse, type Node } from 'acorn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildScenarios, bundleImports, isK6Module, type BuiltBundle } from '../../src/engines/k6/build.js';
import { K6_SCENARIOS } from '../../src/engines/k6/config.js';

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

  it('type-check against @types/k6 (tsc --checkJs on the bundled JavaScript)', async () => {
    const args = [TSC, '--allowJs', '--checkJs', '--noEmit', '--skipLibCheck', '--types', 'k6', '--typeRoots', join(ROOT, 'node_modules/@types'), '--module', 'esnext', '--moduleResolution', 'bundler', '--target', 'es2020', '--lib', 'es2020', ...bundles.map((b) => b.path)];
    const r = await run(process.execPath, args, { cwd: ROOT }).catch((e: { stdout: string }) => ({ stdout: e.stdout, failed: true }));
    expect(r.stdout).toBe('');
  }, 120_000);

  it('come from TypeScript sources that type-check with scenarios/tsconfig.json (k6 types only)', async () => {
    const r = await run(process.execPath, [TSC, '-p', join(ROOT, 'scenarios/tsconfig.json'), '--noEmit'], { cwd: ROOT }).catch((e: { stdout: string }) => ({ stdout: e.stdout }));
    expect(r.stdout).toBe('');
  }, 120_000);
});
