/**
 * Where loadgate's own files are: the folder holding its package.json, found by walking up from this module.
 * The same code runs as src/package-root.ts (tsx, in the repo) and as dist/src/package-root.js (the built and
 * installed package, e.g. node_modules/loadgate/dist/src/), so a fixed `../` count is wrong in one of them
 * (issue 9: the installed CLI looked for dist/scenarios/*.ts and dist/package.json).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(from: string): string {
  for (let dir = from, i = 0; i < 8; i++) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  throw new Error(`loadgate: no package.json above ${from}`);
}

/** The package root (the repository, or node_modules/loadgate once installed). */
export const PACKAGE_ROOT: string = findRoot(dirname(fileURLToPath(import.meta.url)));

/** loadgate's version, from its package.json. */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}
