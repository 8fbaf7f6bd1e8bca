/**
 * Every bundle esbuild builds from scenarios/*.ts imports only k6 modules, parses as an ES module and
 * type-checks against @types/k6 (tsc --checkJs on the bundles); the TypeScript sources type-check too.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
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
