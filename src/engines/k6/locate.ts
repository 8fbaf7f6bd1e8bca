/** Finding the k6 binary: K6_BIN first, then PATH. Missing k6 is a RunError (exit 3) that says how to install it. */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { RunError } from '../../errors.js';

export const K6_INSTALL_HINT =
  'install k6 (https://grafana.com/docs/k6/latest/set-up/install-k6/): `brew install k6` on macOS, ' +
  "`sudo apt-get install k6` after adding Grafana's apt repository on Debian/Ubuntu, `winget install k6` on Windows, " +
  'or a release binary from https://github.com/grafana/k6/releases; then put it on PATH or set K6_BIN=/path/to/k6. ' +
  'k6 0.48 through 1.x runs the bundled scenarios; without k6, use --engine autocannon or open.';

export interface LocatedK6 {
  path: string;
  source: 'K6_BIN' | 'PATH';
}

function isExecutable(p: string): boolean {
  try {
    if (!statSync(p).isFile()) return false;
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function locateK6(env: NodeJS.ProcessEnv, exists: (p: string) => boolean = isExecutable): LocatedK6 {
  const fromEnv = env.K6_BIN;
  if (fromEnv !== undefined && fromEnv !== '') {
    if (exists(fromEnv)) return { path: fromEnv, source: 'K6_BIN' };
    throw new RunError('LG_K6_MISSING', `k6 not found: K6_BIN is set to ${fromEnv}, which is not an executable file`, { hint: K6_INSTALL_HINT });
  }
  const names = process.platform === 'win32' ? ['k6.exe', 'k6'] : ['k6'];
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    for (const n of names) {
      const p = join(dir, n);
      if (exists(p)) return { path: p, source: 'PATH' };
    }
  }
  throw new RunError('LG_K6_MISSING', 'k6 not found: it is not on PATH and K6_BIN is not set', { hint: K6_INSTALL_HINT });
}
