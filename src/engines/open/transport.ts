/**
 * Keep-alive HTTP clients for the open-model engine. Each grows its connection pool lazily up to
 * `maxConnections`; the runner never has more than `maxConnections` requests in flight, so no client queues
 * internally and "sent" means "written to a connection now".
 *
 * Three implementations, so `bench/open-model.ts` and `bench/generator.ts` can measure which one keeps the
 * schedule better and costs less; the engine uses `DEFAULT_TRANSPORT`:
 * - `net`: loadgate's own HTTP/1.1 client on node:net / node:tls (./net-transport.ts);
 * - `undici`: undici's Pool;
 * - `http`: node:http with a keep-alive Agent.
 */
import http from 'node:http';
import { Pool, type Dispatcher } from 'undici';
import { NetTransport } from './net-transport.js';

export type TransportName = 'net' | 'undici' | 'http';

/**
 * `net`, measured with `npm run bench -- generator` (nginx on core 1, the engine on core 0, 10 s at 1000/s, clients
 * alternated, three runs): 99–141 µs CPU a request against undici's 122–164, slip p99 1.3–1.8 ms against
 * 1.8–2.3, corrected p99 2.1–3.3 ms against 2.6–3.3. Earlier (bench/open-model.ts, a loaded box) undici kept
 * the schedule far better than node:http (slip p99 at 1k req/s 12 ms vs 349 ms).
 */
export const DEFAULT_TRANSPORT: TransportName = 'net';

export interface TransportRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string | undefined;
  /** Keep the response body (error bodies, created orders); otherwise it is read and discarded. */
  wantBody: boolean;
}

export type TransportOutcome = { status: number; body: string | undefined } | { error: unknown };

export interface Transport {
  send(req: TransportRequest, done: (o: TransportOutcome) => void): void;
  /** Destroys every connection; in-flight requests fail. */
  close(): Promise<void>;
}

export interface TransportOptions {
  baseUrl: string;
  maxConnections: number;
  timeoutMs: number;
}

export function createTransport(name: TransportName, opts: TransportOptions): Transport {
  return name === 'net' ? new NetTransport(opts) : name === 'undici' ? new UndiciTransport(opts) : new NodeHttpTransport(opts);
}

class UndiciTransport implements Transport {
  private readonly pool: Pool;
  private readonly timeoutMs: number;

  constructor(opts: TransportOptions) {
    this.timeoutMs = opts.timeoutMs;
    this.pool = new Pool(opts.baseUrl, {
      connections: opts.maxConnections,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
    });
  }

  send(req: TransportRequest, done: (o: TransportOutcome) => void): void {
    let status = 0;
    let chunks: Buffer[] | undefined;
    let finished = false;
    const finish = (o: TransportOutcome): void => {
      if (finished) return;
      finished = true;
      done(o);
    };
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart() {},
      onResponseStart(_c, statusCode) {
        status = statusCode;
        if (req.wantBody || statusCode >= 400) chunks = [];
      },
      onResponseData(_c, chunk) {
        chunks?.push(chunk);
      },
      onResponseEnd() {
        finish({ status, body: chunks === undefined ? undefined : Buffer.concat(chunks).toString('utf8') });
      },
      onResponseError(_c, error) {
        finish({ error });
      },
    };
    this.pool.dispatch(
      { path: req.path, method: req.method as Dispatcher.HttpMethod, headers: req.headers, body: req.body ?? null, headersTimeout: this.timeoutMs, bodyTimeout: this.timeoutMs },
      handler,
    );
  }

  async close(): Promise<void> {
    await this.pool.destroy().catch(() => undefined);
  }
}

class NodeHttpTransport implements Transport {
  private readonly agent: http.Agent;
  private readonly url: URL;
  private readonly timeoutMs: number;

  constructor(opts: TransportOptions) {
    this.url = new URL(opts.baseUrl);
    this.timeoutMs = opts.timeoutMs;
    this.agent = new http.Agent({ keepAlive: true, maxSockets: opts.maxConnections, maxFreeSockets: opts.maxConnections, scheduling: 'lifo' });
  }

  send(req: TransportRequest, done: (o: TransportOutcome) => void): void {
    let finished = false;
    const finish = (o: TransportOutcome): void => {
      if (finished) return;
      finished = true;
      done(o);
    };
    const headers: Record<string, string> = req.body === undefined ? req.headers : { ...req.headers, 'content-length': String(Buffer.byteLength(req.body)) };
    const r = http.request({ host: this.url.hostname, port: this.url.port, path: req.path, method: req.method, headers, agent: this.agent }, (res) => {
      const status = res.statusCode ?? 0;
      const keep = req.wantBody || status >= 400;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => {
        if (keep) chunks.push(c);
      });
      res.on('end', () => finish({ status, body: keep ? Buffer.concat(chunks).toString('utf8') : undefined }));
      res.on('error', (error) => finish({ error }));
    });
    r.setTimeout(this.timeoutMs, () => r.destroy(Object.assign(new Error('request timeout'), { code: 'ETIMEDOUT' })));
    r.on('error', (error) => finish({ error }));
    r.end(req.body);
  }

  async close(): Promise<void> {
    this.agent.destroy();
  }
}
