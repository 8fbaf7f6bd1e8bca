/**
 * The open engine's node:net HTTP/1.1 client (src/engines/open/net-transport.ts) against real servers on port 0:
 * node:http for the ordinary answers, raw TCP servers for the framings and failures node:http never sends.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { loopbackServers } from '../helpers/servers.js';
import { DEFAULT_IDLE_MS, idleLimitMs } from '../../src/engines/open/net-transport.js';
import { createTransport, type Transport, type TransportOutcome, type TransportRequest } from '../../src/engines/open/transport.js';

const { listen, defer } = loopbackServers();

function transport(baseUrl: string, timeoutMs = 5_000): Transport {
  const t = createTransport('net', { baseUrl, maxConnections: 16, timeoutMs });
  defer(() => t.close());
  return t;
}

const get = (path: string, wantBody = true): TransportRequest => ({ method: 'GET', path, headers: { accept: 'application/json' }, body: undefined, wantBody });
const send = (t: Transport, r: TransportRequest) => new Promise<TransportOutcome>((resolve) => t.send(r, resolve));

/** A raw TCP server answering each request head with `answer(n)` (n counts requests over all connections). */
async function rawServer(answer: (n: number, socket: net.Socket) => void): Promise<{ url: string; connections: () => number }> {
  let n = 0;
  let connections = 0;
  const server = net.createServer((socket) => {
    connections++;
    let buf = '';
    socket.on('data', (d) => {
      buf += d.toString('latin1');
      while (buf.includes('\r\n\r\n')) {
        const end = buf.indexOf('\r\n\r\n') + 4;
        const head = buf.slice(0, end);
        const len = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
        if (buf.length < end + len) return;
        buf = buf.slice(end + len);
        answer(++n, socket);
      }
    });
    socket.on('error', () => undefined);
  });
  const url = await listen(server);
  return { url, connections: () => connections };
}

describe('net transport', () => {
  it('sends method, path, headers and body, and reuses one keep-alive connection', async () => {
    const seen: Array<{ method: string; url: string; ct: string | undefined; host: string | undefined; body: string }> = [];
    let sockets = 0;
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        seen.push({ method: req.method!, url: req.url!, ct: req.headers['content-type'], host: req.headers.host, body });
        res.writeHead(201, { 'content-type': 'application/json' }).end('{"orderId":"7"}');
      });
    });
    server.on('connection', () => sockets++);
    const url = await listen(server);
    const t = transport(url);
    for (let i = 0; i < 5; i++) {
      const o = await send(t, { method: 'POST', path: `/api/v1/order?i=${i}`, headers: { 'content-type': 'application/json' }, body: '{"qty":"0.001","note":"é"}', wantBody: true });
      expect(o).toEqual({ status: 201, body: '{"orderId":"7"}' });
    }
    expect(seen).toHaveLength(5);
    expect(seen[4]).toEqual({ method: 'POST', url: '/api/v1/order?i=4', ct: 'application/json', host: new URL(url).host, body: '{"qty":"0.001","note":"é"}' });
    expect(sockets).toBe(1);
  });

  it('reads chunked bodies split at every byte, and skips the body unless asked (but keeps error bodies)', async () => {
    const payload = JSON.stringify({ bids: Array.from({ length: 50 }, (_, i) => [String(100 - i), '1.5']) });
    const { url } = await rawServer((n, s) => {
      const status = n === 3 ? '418 I am a teapot' : '200 OK';
      const wire = `HTTP/1.1 ${status}\r\nTransfer-Encoding: chunked\r\n\r\n${payload.length.toString(16)}\r\n${payload}\r\n0\r\n\r\n`;
      // One byte per write with the socket's coalescing off: the client sees the response in many pieces.
      s.setNoDelay(true);
      if (n === 1) for (const ch of Buffer.from(wire)) s.write(Buffer.from([ch]));
      else s.write(wire);
    });
    const t = transport(url);
    expect(await send(t, get('/depth'))).toEqual({ status: 200, body: payload });
    expect(await send(t, get('/depth', false))).toEqual({ status: 200, body: undefined });
    expect(await send(t, get('/depth', false))).toEqual({ status: 418, body: payload });
  });

  it('answers 204 and HEAD without a body, and closes after `connection: close`', async () => {
    const { url, connections } = await rawServer((n, s) => {
      if (n === 1) s.write('HTTP/1.1 204 No Content\r\n\r\n');
      else if (n === 2) s.write('HTTP/1.1 200 OK\r\nContent-Length: 999\r\n\r\n');
      else s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok');
    });
    const t = transport(url);
    expect(await send(t, get('/a'))).toEqual({ status: 204, body: '' });
    expect(await send(t, { ...get('/b'), method: 'HEAD', wantBody: false })).toEqual({ status: 200, body: undefined });
    expect(await send(t, get('/c'))).toEqual({ status: 200, body: 'ok' });
    expect(await send(t, get('/d'))).toEqual({ status: 200, body: 'ok' });
    // 204 and HEAD left the connection reusable; `connection: close` did not.
    expect(connections()).toBe(2);
  });

  it('sends a GET once more when a reused connection closes before any answer, but never a POST', async () => {
    // Requests 2 and 4 arrive on a reused connection that the server then closes unanswered (the race of a
    // keep-alive timeout); 3 is the GET sent again on a new connection.
    const { url, connections } = await rawServer((n, s) => {
      if (n === 2 || n === 4) s.destroy();
      else s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    });
    const t = transport(url);
    expect(await send(t, get('/1'))).toEqual({ status: 200, body: 'ok' });
    expect(await send(t, get('/2'))).toEqual({ status: 200, body: 'ok' });
    expect(connections()).toBe(2);
    const post = await send(t, { method: 'POST', path: '/order', headers: {}, body: '{}', wantBody: true });
    expect('error' in post && (post.error as { code?: string }).code).toBe('ECONNRESET');
  });

  it('closes a connection idle past the server\'s keep-alive hint before the server does, so a POST is never written into its close', async () => {
    // The server says `Keep-Alive: timeout=1` and (unlike a real one) never closes: every close it sees is the client's.
    let clientCloses = 0;
    const watched = new WeakSet<net.Socket>();
    const { url, connections } = await rawServer((_n, s) => {
      if (!watched.has(s)) s.on('end', () => clientCloses++);
      watched.add(s);
      s.write('HTTP/1.1 201 Created\r\nKeep-Alive: timeout=1\r\nContent-Length: 2\r\n\r\nok');
    });
    const t = transport(url, 1_000);
    const post = (): TransportRequest => ({ method: 'POST', path: '/order', headers: {}, body: '{}', wantBody: true });
    expect(await send(t, post())).toEqual({ status: 201, body: 'ok' });
    // Bounded wait (not a timing assertion): the sweep closes the idle connection after about 0.5 s.
    for (let i = 0; i < 200 && clientCloses === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(clientCloses).toBe(1);
    expect(await send(t, post())).toEqual({ status: 201, body: 'ok' });
    expect(connections()).toBe(2);
    expect([idleLimitMs(5), idleLimitMs(1), idleLimitMs(undefined), idleLimitMs(0)]).toEqual([4_000, 500, DEFAULT_IDLE_MS, DEFAULT_IDLE_MS]);
  });

  it('keeps reusing a connection well inside the server\'s keep-alive hint', async () => {
    const { url, connections } = await rawServer((_n, s) => s.write('HTTP/1.1 200 OK\r\nKeep-Alive: timeout=60\r\nContent-Length: 2\r\n\r\nok'));
    const t = transport(url, 1_000);
    expect(await send(t, get('/1'))).toEqual({ status: 200, body: 'ok' });
    await new Promise((r) => setTimeout(r, 1_100));
    expect(await send(t, get('/2'))).toEqual({ status: 200, body: 'ok' });
    expect(connections()).toBe(1);
  });

  it('fails a request with ETIMEDOUT after timeoutMs, and with the socket error when nothing listens', async () => {
    const { url } = await rawServer(() => undefined); // never answers
    const t = transport(url, 100);
    const o = await send(t, get('/slow'));
    expect('error' in o && (o.error as { code?: string }).code).toBe('ETIMEDOUT');

    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const refused = await send(transport(`http://127.0.0.1:${port}`), get('/'));
    expect('error' in refused && (refused.error as { code?: string }).code).toBe('ECONNREFUSED');
  });

  it('a response cut short is an error, not a success', async () => {
    const { url } = await rawServer((_n, s) => {
      s.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort');
      s.destroy();
    });
    const o = await send(transport(url), get('/'));
    expect('error' in o && (o.error as { code?: string }).code).toBe('ECONNRESET');
  });

  it('close() fails what is in flight, once', async () => {
    const { url } = await rawServer(() => undefined);
    const t = createTransport('net', { baseUrl: url, maxConnections: 4, timeoutMs: 60_000 });
    const outcomes: TransportOutcome[] = [];
    for (let i = 0; i < 3; i++) t.send(get(`/${i}`), (o) => outcomes.push(o));
    await new Promise((r) => setTimeout(r, 50));
    await t.close();
    await new Promise((r) => setTimeout(r, 50));
    expect(outcomes).toHaveLength(3);
    expect(outcomes.every((o) => 'error' in o)).toBe(true);
  });

  it('speaks TLS to an https:// target, and refuses a certificate it cannot verify', async () => {
    const dir = new URL('../fixtures/tls/', import.meta.url);
    const server = https.createServer({ key: readFileSync(new URL('key.pem', dir)), cert: readFileSync(new URL('cert.pem', dir)) }, (req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ path: req.url, host: req.headers.host }));
    });
    const url = (await listen(server)).replace('http://127.0.0.1', 'https://localhost');
    // The fixture is self-signed: verification is on, so the request fails with the certificate error.
    const refused = await send(transport(url), get('/api/v1/time'));
    expect('error' in refused && (refused.error as { code?: string }).code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    // Trusting it for this test only (as NODE_EXTRA_CA_CERTS would for a private CA), the same request is answered.
    const before = process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
    try {
      const t = transport(url);
      expect(await send(t, get('/api/v1/time'))).toEqual({ status: 200, body: JSON.stringify({ path: '/api/v1/time', host: new URL(url).host }) });
      expect(await send(t, get('/again'))).toEqual({ status: 200, body: JSON.stringify({ path: '/again', host: new URL(url).host }) });
    } finally {
      if (before === undefined) delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
      else process.env.NODE_TLS_REJECT_UNAUTHORIZED = before;
    }
  });
});
