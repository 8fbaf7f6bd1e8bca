/**
 * `run --prometheus-push` and `prometheus push`, end to end through the CLI, against a recording stand-in for the
 * Pushgateway's HTTP API on port 0 (the real one is exercised in prometheus-stack.test.ts): the zero snapshot
 * first, the run's metrics after the reports are written, grouping values base64url-encoded; a failing push
 * never loses the reports.
 */
import { createServer, type Server } from 'node:http';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir, writeTemp } from '../helpers/cli.js';

const SUITE = `
name: push/me
phase: phase-1
target:
  mock: { seed: 3 }
workloads:
  - name: tickers
    load: { model: closed, connections: 2, durationSec: 1 }
    mix:
      - { endpoint: fetchTicker }
sla:
  overall: { p99Ms: 5000, successRatePct: 99 }
`;

interface Req {
  method: string;
  url: string;
  body: string;
}

function gateway(status: number): Promise<{ url: string; requests: Req[]; server: Server }> {
  const requests: Req[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', body });
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status >= 400 ? 'pushed metrics are invalid or inconsistent with existing metrics' : '');
    });
  });
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r({ url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, requests, server })));
}

const b64 = (s: string) => Buffer.from(s).toString('base64url');

describe('pushing runs to a Pushgateway', () => {
  const servers: Server[] = [];
  let dir = '';
  let suite = '';
  beforeAll(async () => {
    dir = await tempDir('loadgate-push-');
    suite = await writeTemp(dir, 'push.suite.yaml', SUITE);
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  });

  it('pushes zeros when the run starts and the run once its reports are written, grouped by job, suite and label', async () => {
    const g = await gateway(200);
    servers.push(g.server);
    const out = join(dir, 'ok');
    const r = await runCli(['run', suite, '--out', out, '--format', 'json,prom', '--label', 'nightly', '--prometheus-push', g.url]);
    expect(r.code, r.stderr).toBe(0);
    expect(g.requests.map((q) => [q.method, q.url])).toEqual([
      ['PUT', `/metrics/job@base64/${b64('loadgate')}/suite@base64/${b64('push/me')}/label@base64/${b64('nightly')}`],
      ['PUT', `/metrics/job@base64/${b64('loadgate')}/suite@base64/${b64('push/me')}/label@base64/${b64('nightly')}`],
    ]);
    const [zero, final] = g.requests.map((q) => q.body);
    const values = zero!.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.slice(l.lastIndexOf(' ') + 1));
    expect(values.length).toBeGreaterThan(20);
    expect(new Set(values)).toEqual(new Set(['0']));
    expect(zero).toContain('loadgate_request_duration_seconds_bucket{suite="push/me",phase="phase-1",endpoint="fetchTicker",kind="http",le="0.005"} 0');
    expect(final).toBe(await readFile(join(out, 'metrics.prom'), 'utf8'));
    // Every counter and histogram series of the run was in the zero snapshot, so rate() sees it rise from 0.
    const series = (t: string) => new Set(t.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.slice(0, l.lastIndexOf(' '))));
    const zs = series(zero!);
    const missing = [...series(final!)].filter((s) => /_total\{|_bucket\{|_sum\{|_count\{/.test(s) && !zs.has(s));
    expect(missing).toEqual([]);
    expect(r.stderr).toContain("pushed the run's metrics");
  }, 60_000);

  it('a failed push loses nothing: the reports are written, the failure is one clear line, the exit code is the verdict', async () => {
    const g = await gateway(400);
    servers.push(g.server);
    const out = join(dir, 'rejected');
    const r = await runCli(['run', suite, '--out', out, '--prometheus-push', g.url]);
    expect(r.code).toBe(0);
    expect(await readdir(out)).toEqual(expect.arrayContaining(['result.json', 'report.json', 'report.md']));
    expect(r.stderr).toMatch(/--prometheus-push: could not push the run's metrics; the reports are written in .*: the Pushgateway at http:\/\/127\.0\.0\.1:\d+\/ answered 400 Bad Request: pushed metrics are invalid/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);

  it('an unreachable Pushgateway is reported, and the run still completes', async () => {
    const g = await gateway(200);
    const url = g.url;
    await new Promise((res) => g.server.close(res));
    const out = join(dir, 'unreachable');
    const r = await runCli(['run', suite, '--out', out, '--prometheus-push', url]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/the start-of-run push failed .*cannot reach the Pushgateway at .*ECONNREFUSED/);
    expect(r.stderr).toMatch(/could not push the run's metrics/);
    expect(await readdir(out)).toContain('result.json');
  }, 60_000);

  it('refuses a URL that is not http(s) before running (exit 2)', async () => {
    const r = await runCli(['run', suite, '--out', join(dir, 'never'), '--prometheus-push', 'ftp://127.0.0.1/']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--prometheus-push: expected an http:\/\/ or https:\/\/ URL/);
  });

  it('`loadgate prometheus push` pushes a saved result', async () => {
    const g = await gateway(200);
    servers.push(g.server);
    const r = await runCli(['prometheus', 'push', join(dir, 'ok', 'result.json'), '--url', g.url, '--job', 'nightly-load']);
    expect(r.code, r.stderr).toBe(0);
    expect(g.requests).toHaveLength(1);
    expect(g.requests[0]!.url).toBe(`/metrics/job@base64/${b64('nightly-load')}/suite@base64/${b64('push/me')}/label@base64/${b64('nightly')}`);
    expect(g.requests[0]!.body).toContain('loadgate_run_info{suite="push/me",phase="phase-1",label="nightly"');
  });
});
