/**
 * `src/` never imports `mocks/` or `scenarios/` (README contract; STYLE.md: the mock and the k6 scripts are leaves on
 * top of the library, like bench/ and test/). Every import counts, `import type` included: a type import still
 * makes the library's types depend on a leaf.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const LEAVES = ['mocks', 'scenarios'];

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...tsFiles(p));
    else if (/\.(ts|mts|cts)$/.test(e.name) && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** Module specifiers of static imports, re-exports, side-effect imports and dynamic `import('…')`. */
export function specifiers(source: string): string[] {
  // Comments can hold example imports; drop them first (a string containing "//" is rare enough in specifiers).
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
  const out: string[] = [];
  const patterns = [/\b(?:import|export)\s[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/g, /\bimport\s*['"]([^'"]+)['"]/g, /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g, /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g];
  for (const re of patterns) for (let m = re.exec(code); m !== null; m = re.exec(code)) out.push(m[1]!);
  return out;
}

function leafImports(): string[] {
  const found = new Set<string>();
  for (const file of tsFiles(join(ROOT, 'src'))) {
    for (const spec of specifiers(readFileSync(file, 'utf8'))) {
      if (!spec.startsWith('.')) continue;
      const target = relative(ROOT, resolve(dirname(file), spec)).split(sep).join('/');
      if (LEAVES.some((leaf) => target === leaf || target.startsWith(`${leaf}/`))) {
        found.add(`${relative(ROOT, file).split(sep).join('/')} -> ${target.replace(/\.(js|ts|mjs|mts)$/, '')}`);
      }
    }
  }
  return [...found].sort();
}

describe('import graph', () => {
  it('finds imports of every form, and not the ones in comments', () => {
    const src = [
      "import { a } from '../../mocks/a.js';",
      "import type { B } from '../scenarios/lib/b.js';",
      "export * from '../../mocks/c.js';",
      "import '../../mocks/d.js';",
      "const e = await import('../../mocks/e.js');",
      "// import { x } from '../../mocks/commented.js';",
      "/* import { y } from '../../mocks/block.js'; */",
      'import {\n  f,\n  g,\n} from "./f.js";',
    ].join('\n');
    expect(specifiers(src)).toEqual(['../../mocks/a.js', '../scenarios/lib/b.js', '../../mocks/c.js', './f.js', '../../mocks/d.js', '../../mocks/e.js']);
  });

  it('src/ imports nothing from mocks/ or scenarios/', () => {
    // Issue 10: the mock is started by path (src/mock-process.ts); what the k6 scripts share with the engines lives in src/.
    expect(leafImports(), 'imports from src/ into mocks/ or scenarios/: move the shared code into src/ (a pure module) and import it from the leaf instead').toEqual([]);
  });

  it('src/dialect/ is loadable by k6: no node:* imports and nothing from outside but types and the pure frame parser', () => {
    const allowedValueImports = new Set(['src/engines/ws/frame']);
    const dialectDir = join(ROOT, 'src', 'dialect');
    for (const file of tsFiles(dialectDir)) {
      const source = readFileSync(file, 'utf8');
      for (const spec of specifiers(source)) {
        expect(spec.startsWith('.'), `${relative(ROOT, file)} imports ${spec}`).toBe(true);
        const target = relative(ROOT, resolve(dirname(file), spec)).split(sep).join('/').replace(/\.(js|ts)$/, '');
        if (target.startsWith('src/dialect/') || allowedValueImports.has(target)) continue;
        // Anything else must be `import type` (erased, so k6 never loads it).
        const typeOnly = new RegExp(`import\\s+type\\s[^;]*from\\s*['"]${spec.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}['"]`).test(source);
        expect(typeOnly, `${relative(ROOT, file)} imports ${spec} as a value`).toBe(true);
      }
    }
  });
});
