/**
 * A target faster than any generator (issue #17): Debian's nginx serving the mock's own JSON (markets, ticker,
 * order book, time, health) as static files, one worker process, on a free loopback port, with its own config and
 * temp dir (never the system nginx), pinned to `core` when taskset exists. What a generator reaches against it is
 * the generator's limit, not the target's.
 *
 * `startNginx()` resolves undefined when nginx is not installed (`apt-get install nginx-light`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseProcStatCpuMs } from '../src/engines/generator-health.js';
import { startMockProcess } from '../src/mock-process.js';
import { has } from './_tools.js';

const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p));

export interface Nginx {
  url: string;
  pid: number;
  /** CPU the nginx process has used so far (user + system, µs; /proc, 10 ms resolution), NaN where unreadable. */
  cpuUs(): number;
  stop(): Promise<void>;
}

/** utime + stime of `pid` in µs (the run's own /proc parser, src/engines/generator-health.ts), NaN where unreadable. */
function procCpuUs(pid: number): number {
  try {
    return (parseProcStatCpuMs(readFileSync(`/proc/${pid}/stat`, 'utf8')) ?? NaN) * 1000;
  } catch {
    return NaN;
  }
}

/** The paths the benches ask for, with the mock's real answers. */
const PATHS = ['/health', '/api/v1/markets', '/api/v1/ticker?symbol=BTC-USDT', '/api/v1/orderbook?symbol=BTC-USDT&depth=20', '/api/v1/time'];

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function captureBodies(): Promise<Map<string, string>> {
  const mock = await startMockProcess({ seed: 1 });
  try {
    const out = new Map<string, string>();
    for (const p of PATHS) out.set(p.split('?')[0]!, await (await fetch(mock.url + p)).text());
    return out;
  } finally {
    await mock.close();
  }
}

async function waitUp(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`nginx exited ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nginx did not answer ${url}/health within ${timeoutMs} ms`);
}

export async function startNginx(core = 1): Promise<Nginx | undefined> {
  if (NGINX === undefined) return undefined;
  const bodies = await captureBodies();
  const dir = mkdtempSync(join(tmpdir(), 'loadgate-nginx-'));
  const root = join(dir, 'root');
  for (const [p, body] of bodies) {
    const file = join(root, p === '/health' ? 'health' : p.slice(1));
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, body);
  }
  for (const [attempt] of [[1], [2], [3]] as const) {
    const port = await freePort();
    const conf = join(dir, 'nginx.conf');
    writeFileSync(
      conf,
      `worker_processes 1;
daemon off;
master_process off;
pid ${join(dir, 'nginx.pid')};
error_log stderr error;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  keepalive_timeout 60s;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  default_type application/json;
  open_file_cache max=64;
  server {
    listen 127.0.0.1:${port};
    root ${root};
    location / { try_files $uri =404; }
  }
}
`,
    );
    const argv = [NGINX, '-e', 'stderr', '-p', dir, '-c', conf];
    const [cmd, ...args] = has('taskset') ? ['taskset', '-c', String(core), ...argv] : argv;
    const child = spawn(cmd!, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const url = `http://127.0.0.1:${port}`;
    try {
      await waitUp(url, child, 5_000);
    } catch (e) {
      child.kill('SIGKILL');
      if (attempt === 3 || !/Address already in use/.test(err)) {
        rmSync(dir, { recursive: true, force: true });
        throw new Error(`${(e as Error).message}: ${err.slice(-300)}`);
      }
      continue;
    }
    return {
      url,
      pid: child.pid!,
      // master_process off and taskset exec nginx: the child is the one nginx process that serves.
      cpuUs: () => procCpuUs(child.pid!),
      stop: async () => {
        if (child.exitCode === null) {
          const exited = new Promise((r) => child.once('exit', r));
          child.kill('SIGTERM');
          await exited;
        }
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  return undefined;
}
