/** `loadgate mock --config`: the banner prints the credentials the mock accepts, the configured ones (issue 16). */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MOCK_CREDENTIALS } from '../../mocks/index.js';
import { ROOT, tempDir, writeTemp } from '../helpers/cli.js';

/** Starts `loadgate mock`, waits (at most 30 s) for its banner, stops it with SIGINT, returns stdout and the exit code. */
function bannerOf(args: string[]): Promise<{ stdout: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli.ts'), 'mock', ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    const kill = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (stdout.includes('press Ctrl-C')) child.kill('SIGINT');
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(kill);
      resolve({ stdout, code });
    });
  });
}

describe('loadgate mock', () => {
  it('prints the configured credentials, not the defaults', async () => {
    const dir = await tempDir();
    const cfg = await writeTemp(dir, 'mock.yaml', 'credentials:\n  - { apiKey: team-key-1, apiSecret: team-secret-1 }\n  - { apiKey: team-key-2, apiSecret: team-secret-2 }\n');
    const r = await bannerOf(['--config', cfg]);
    expect(r.stdout).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+/);
    expect(r.stdout).toContain('api key team-key-1, secret team-secret-1');
    expect(r.stdout).toContain('api key team-key-2, secret team-secret-2');
    expect(r.stdout).not.toContain(DEFAULT_MOCK_CREDENTIALS.apiKey);
  });

  it('prints the default credentials without a config', async () => {
    const r = await bannerOf([]);
    expect(r.stdout).toContain(`api key ${DEFAULT_MOCK_CREDENTIALS.apiKey}, secret ${DEFAULT_MOCK_CREDENTIALS.apiSecret}`);
  });

  it('says which dialect it speaks, its REST URLs and, for OKX, the passphrase of the test credentials', async () => {
    const r = await bannerOf(['--dialect', 'okx-v5']);
    expect(r.stdout).toContain('speaking okx-v5');
    expect(r.stdout).toMatch(/REST http:\/\/127\.0\.0\.1:\d+\/api\/v5\/public\/instruments/);
    expect(r.stdout).toContain(`api key ${DEFAULT_MOCK_CREDENTIALS.apiKey}, secret ${DEFAULT_MOCK_CREDENTIALS.apiSecret}, passphrase ${DEFAULT_MOCK_CREDENTIALS.passphrase}`);
    const binance = await bannerOf(['--dialect', 'binance-spot']);
    expect(binance.stdout).toMatch(/REST http:\/\/127\.0\.0\.1:\d+\/api\/v3\/exchangeInfo/);
    expect(binance.stdout).not.toContain('passphrase');
  });
});
