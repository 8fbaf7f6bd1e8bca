/** The README is the user's first contact: the suite it shows must be a valid suite. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseSuite } from '../../src/suite/load.js';

const readme = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');

describe('README', () => {
  it('shows the two commands of the set-up promise', () => {
    expect(readme).toContain('npm install && npm start');
    expect(readme).toContain('npm test');
  });

  it('shows a suite for a real endpoint that loads without errors', () => {
    const blocks = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
    const suites = blocks.filter((b) => /\nworkloads:/.test(b));
    expect(suites.length).toBeGreaterThan(0);
    for (const text of suites) {
      const suite = parseSuite('README.md', parse(text));
      expect(suite.target.url).toMatch(/^https?:\/\//);
    }
  });
});
