/**
 * Every way the README tells users to call loadgate resolves to loadgate itself (issue 14, item 8): inside the
 * repository `npm run loadgate -- …`, in a project that installed it `npx --no -- loadgate …`,
 * `npm exec --no -- loadgate …` or `node_modules/.bin/loadgate`. npx without `--no` of an unpublished name
 * would fetch and run whatever the registry holds under it; inside the repository it also builds the project
 * into npx's cache, which a Ctrl-C leaves broken (issue 16, item 10).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const readme = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');

/** Command lines in fenced sh/bash/yaml blocks, and inline code spans that start with a command. */
function invocations(md: string): string[] {
  const out: string[] = [];
  for (const m of md.matchAll(/```(?:sh|bash|shell|yaml|yml)?\n([\s\S]*?)```/g)) out.push(...m[1]!.split('\n'));
  for (const m of md.replace(/```[\s\S]*?```/g, '').matchAll(/`([^`\n]+)`/g)) out.push(m[1]!);
  return out.map((l) => l.trim()).filter(Boolean);
}

describe('README invocations', () => {
  const lines = invocations(readme);

  it('never run npx without --no, except for the dev tool tsx', () => {
    const bad = lines.filter((l) => /\bnpx\s+(?!--no\b|tsx\b)/.test(l));
    expect(bad).toEqual([]);
  });

  it('call loadgate only in the documented forms', () => {
    const calls = lines.filter((l) => /\b(npx|npm exec|npm run)\b[^#]*\bloadgate\b/.test(l));
    expect(calls.length).toBeGreaterThan(3);
    for (const l of calls) expect(l, l).toMatch(/npm run loadgate --( |$)|npx --no -- loadgate\b|npm exec --no -- loadgate\b/);
  });

  it('keep the quick start: npm install && npm start, and npm test', () => {
    expect(readme).toContain('npm install && npm start');
    expect(readme).toMatch(/^npm test\b/m);
  });
});
