/**
 * Loads a module the way k6 would run it: bundled by esbuild as `loadgate k6 build` bundles scenarios (platform
 * neutral, es2017: k6 0.48 rejects object spread), checked for what k6's runtime lacks (Node built-ins, syntax past
 * ES2017, ES2019+ library methods), and run in a bare JavaScript context. Returns the module's exports.
 */
import vm from 'node:vm';
import { parse } from 'acorn';
import { build } from 'esbuild';
import { expect } from 'vitest';

/** `source`: a file to bundle, or `{ contents }` of an entry written inline (resolved from the working folder). */
export async function loadAsK6(source: string | { contents: string }, globalName: string): Promise<{ exports: unknown; sandbox: vm.Context }> {
  const entry = typeof source === 'string' ? { entryPoints: [source] } : { stdin: { contents: source.contents, resolveDir: process.cwd(), loader: 'ts' as const } };
  const out = await build({ ...entry, bundle: true, write: false, format: 'iife', globalName, platform: 'neutral', target: 'es2017', logLevel: 'silent' });
  const code = out.outputFiles[0]!.text;
  expect(code).not.toMatch(/\brequire\(|node:/);
  // Syntax k6 0.48 parses (as src/engines/k6/build.ts checks its bundles), and no ES2019+ library methods it may lack.
  expect(() => parse(code, { ecmaVersion: 2017, sourceType: 'script' })).not.toThrow();
  expect(code).not.toMatch(/\.(matchAll|replaceAll|flatMap|fromEntries|at)\(/);
  const sandbox: Record<string, unknown> = {};
  vm.createContext(sandbox);
  vm.runInContext(`${code}\nglobalThis.${globalName} = ${globalName};`, sandbox, { timeout: 5000 });
  return { exports: sandbox[globalName], sandbox };
}
