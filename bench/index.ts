/**
 * `npm run bench [name…]`: runs every bench/<name>.ts that exports `run(): Promise<string>` (or the named
 * ones) one after another, so they don't measure each other, and prints what each returns. Benches in SLOW
 * (minutes of real runs) run only when named: `npm run bench -- compare-aa`.
 */
import { readdir } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const dir = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && !all[i - 1]?.startsWith('--')); // options (soak --minutes N) are not names
/** compare-aa: eleven real runs of the default suite and 20 compares (about 6 minutes). */
const SLOW = new Set(['compare-aa.ts']);
const files = (await readdir(dir)).filter((f) => f.endsWith('.ts') && f !== 'index.ts' && !f.startsWith('_')).sort();
const selected = only.length ? files.filter((f) => only.some((o) => f === `${o}.ts` || (f.startsWith(o) && !SLOW.has(f)))) : files.filter((f) => !SLOW.has(f));
if (selected.length === 0) {
  process.stderr.write(`no benchmark matches ${only.join(', ')}; available: ${files.map((f) => f.replace(/\.ts$/, '')).join(', ')}\n`);
  process.exitCode = 2;
}
for (const f of selected) {
  const mod = (await import(pathToFileURL(join(dir, f)).href)) as { run?: () => Promise<string> };
  if (typeof mod.run !== 'function') continue;
  process.stdout.write(`\n## ${f.replace(/\.ts$/, '')}\n`);
  const t0 = performance.now();
  try {
    process.stdout.write(`${await mod.run()}\n`);
  } catch (e) {
    process.stdout.write(`FAILED: ${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 1;
  }
  process.stdout.write(`(${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
}
