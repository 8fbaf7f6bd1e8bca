/**
 * The open engine's own HTTP/1.1 keep-alive client on `node:net` / `node:tls` (issue #17: CPU per request).
 *
 * Why not undici: at 1000 arrivals/s the engine's CPU went into the client's per-request machinery (dispatch
 * handlers, header objects, its timers), not into the work of a request. This client writes one string per request
 * and parses the answer in place: status line, `content-length` or `transfer-encoding: chunked`, `connection:
 * close`. One request per connection at a time (no pipelining), connections reused most-recent-first.
 *
 * Timeouts: one sweep timer per transport (not one timer and no clock read per request): a request is stamped with
 * the sweep's tick count, and one in flight for more than `timeoutMs` of ticks fails with `ETIMEDOUT`, its
 * connection destroyed. The sweep runs every `timeoutMs / 20` (10–250 ms), so a timeout is reported at most one
 * tick (plus timer lateness) late.
 *
 * Idle connections: the server closes one after its keep-alive timeout, and a request written just as it does
 * is lost (ECONNRESET; a POST cannot be sent again). So, as undici does, a connection idle for longer than the
 * server's `Keep-Alive: timeout=N` hint less a margin (min(1 s, half of it); 4 s without a hint) is closed by
 * the client first and never reused. A connection the server closed anyway (nginx's `keepalive_requests`) is
 * noticed on its `end`; if a request written to a reused connection gets no byte before the connection closes,
 * an idempotent request (GET, HEAD) is sent once more on a new connection, as browsers and undici's retry
 * handler do.
 */
import net from 'node:net';
import tls from 'node:tls';
import type { Transport, TransportOptions, TransportOutcome, TransportRequest } from './transport.js';

const CRLF2 = Buffer.from('\r\n\r\n');
/** How long a connection may idle when the server sends no keep-alive hint (undici's default keepAliveTimeout). */
export const DEFAULT_IDLE_MS = 4_000;

/** How long to keep an idle connection, from the server's keep-alive hint in seconds (undefined: no hint). */
export function idleLimitMs(hintSec: number | undefined): number {
  if (hintSec === undefined || !(hintSec > 0)) return DEFAULT_IDLE_MS;
  const ms = hintSec * 1000;
  return ms - Math.min(1000, ms / 2);
}

interface Pending {
  req: TransportRequest;
  done: (o: TransportOutcome) => void;
  /** The transport's sweep tick when it was sent. */
  startedTick: number;
  retried: boolean;
}

function netError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

/** Incremental parser of one HTTP/1.1 response at a time. */
class Conn {
  readonly socket: net.Socket;
  pending: Pending | undefined;
  /** Requests answered on this connection (a first request is never retried: the connection was new). */
  used = 0;
  /** The server's last `Keep-Alive: timeout=N` (seconds), if it sent one. */
  keepAliveSec: number | undefined;
  /** Idle: past this sweep tick the server may be closing it (its keep-alive limit, set when it went idle). */
  idleUntilTick = 0;
  /** Bytes of the current response received (0: the server closed before answering). */
  private got = 0;
  private head: Buffer | undefined;
  private status = 0;
  private closeAfter = false;
  /** content-length mode: body bytes still expected; -1 chunked; -2 until close. */
  private remaining = 0;
  private chunks: Buffer[] | undefined;
  private inBody = false;
  /** chunked mode: bytes left in the current chunk (+2 for its CRLF); -1 reading a size line; -3 after the last chunk. */
  private chunkLeft = -1;
  private line: Buffer | undefined;
  private dead = false;

  constructor(
    private readonly owner: NetTransport,
    socket: net.Socket,
  ) {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (b: Buffer) => this.onData(b));
    socket.on('end', () => this.onClose(undefined));
    socket.on('close', () => this.onClose(undefined));
    socket.on('error', (e) => this.onClose(e));
  }

  write(p: Pending): void {
    this.pending = p;
    this.got = 0;
    this.head = undefined;
    this.inBody = false;
    const { req } = p;
    let s = `${req.method} ${req.path} HTTP/1.1\r\nhost: ${this.owner.hostHeader}\r\n`;
    for (const k in req.headers) if (k !== 'host' && k !== 'content-length') s += `${k}: ${req.headers[k]}\r\n`;
    if (req.body !== undefined) s += `content-length: ${Buffer.byteLength(req.body)}\r\n\r\n${req.body}`;
    else s += '\r\n';
    this.socket.write(s);
  }

  private onData(b: Buffer): void {
    if (this.pending === undefined) {
      // Bytes nobody asked for: the connection is out of step; drop it.
      this.destroy();
      return;
    }
    this.got += b.length;
    if (!this.inBody) {
      const buf = this.head === undefined ? b : Buffer.concat([this.head, b]);
      const end = buf.indexOf(CRLF2);
      if (end < 0) {
        if (buf.length > 64 * 1024) return this.fail(netError('HPE_HEADER_OVERFLOW', 'response head over 64 KiB'));
        this.head = buf;
        return;
      }
      this.head = undefined;
      if (!this.parseHead(buf.toString('latin1', 0, end))) return;
      if (this.status >= 100 && this.status < 200) {
        // 1xx (100 Continue): its head only; the real answer follows.
        const rest = buf.subarray(end + 4);
        return rest.length > 0 ? this.onData(rest) : undefined;
      }
      this.inBody = true;
      b = buf.subarray(end + 4);
      if (this.remaining === 0) return this.finish();
    }
    if (b.length > 0) this.body(b);
  }

  /** Returns false when it failed the request. */
  private parseHead(head: string): boolean {
    // "HTTP/1.1 200 OK"
    const sp = head.indexOf(' ');
    const status = sp > 0 ? Number(head.slice(sp + 1, sp + 4)) : NaN;
    if (!head.startsWith('HTTP/1.') || !Number.isInteger(status)) {
      this.fail(netError('HPE_INVALID_STATUS', `not an HTTP/1.x response: ${JSON.stringify(head.slice(0, 40))}`));
      return false;
    }
    this.status = status;
    let length = -2;
    let chunked = false;
    let close = head.startsWith('HTTP/1.0');
    let i = head.indexOf('\r\n');
    while (i >= 0 && i < head.length) {
      const next = head.indexOf('\r\n', i + 2);
      const lineEnd = next < 0 ? head.length : next;
      const colon = head.indexOf(':', i + 2);
      if (colon > 0 && colon < lineEnd) {
        const name = head.slice(i + 2, colon).toLowerCase();
        if (name === 'content-length') length = Number(head.slice(colon + 1, lineEnd).trim());
        else if (name === 'transfer-encoding') chunked = /chunked/i.test(head.slice(colon + 1, lineEnd));
        else if (name === 'connection') {
          const v = head.slice(colon + 1, lineEnd).trim().toLowerCase();
          if (v === 'close') close = true;
          else if (v === 'keep-alive') close = false;
        } else if (name === 'keep-alive') {
          const m = /timeout\s*=\s*(\d+)/i.exec(head.slice(colon + 1, lineEnd));
          if (m) this.keepAliveSec = Number(m[1]);
        }
      }
      i = next;
    }
    const noBody = this.pending!.req.method === 'HEAD' || status === 204 || status === 304 || (status >= 100 && status < 200);
    this.remaining = noBody ? 0 : chunked ? -1 : Number.isFinite(length) && length >= 0 ? length : -2;
    if (this.remaining === -2) close = true;
    this.closeAfter = close;
    this.chunkLeft = -1;
    this.line = undefined;
    this.chunks = this.pending!.req.wantBody || status >= 400 ? [] : undefined;
    return true;
  }

  private body(b: Buffer): void {
    if (this.remaining >= 0) {
      const take = Math.min(b.length, this.remaining);
      if (this.chunks) this.chunks.push(take === b.length ? b : b.subarray(0, take));
      this.remaining -= take;
      if (this.remaining === 0) this.finish();
      return;
    }
    if (this.remaining === -2) {
      this.chunks?.push(b);
      return;
    }
    // chunked
    let off = 0;
    while (off < b.length) {
      if (this.chunkLeft === -1) {
        const nl = b.indexOf(10, off);
        if (nl < 0) {
          this.line = this.line ? Buffer.concat([this.line, b.subarray(off)]) : b.subarray(off);
          return;
        }
        const part = b.subarray(off, nl);
        const lineBuf = this.line ? Buffer.concat([this.line, part]) : part;
        this.line = undefined;
        off = nl + 1;
        const size = parseInt(lineBuf.toString('latin1').trim(), 16);
        if (!Number.isFinite(size)) return this.fail(netError('HPE_INVALID_CHUNK_SIZE', 'invalid chunk size'));
        if (size === 0) {
          // Last chunk; trailers are not expected (we send no TE: trailers): the final CRLF ends the response.
          this.chunkLeft = -3;
          continue;
        }
        this.chunkLeft = size + 2;
      } else if (this.chunkLeft === -3) {
        // After the last chunk: skip to the empty line.
        const nl = b.indexOf(10, off);
        if (nl < 0) return;
        return this.finish();
      } else {
        const take = Math.min(b.length - off, this.chunkLeft);
        const dataTake = Math.max(0, Math.min(take, this.chunkLeft - 2));
        if (this.chunks && dataTake > 0) this.chunks.push(b.subarray(off, off + dataTake));
        this.chunkLeft -= take;
        off += take;
        if (this.chunkLeft === 0) this.chunkLeft = -1;
      }
    }
  }

  private finish(): void {
    const p = this.pending!;
    this.pending = undefined;
    this.used++;
    const body = this.chunks === undefined ? undefined : this.chunks.length === 1 ? this.chunks[0]!.toString('utf8') : Buffer.concat(this.chunks).toString('utf8');
    this.chunks = undefined;
    if (this.closeAfter) this.destroy();
    else this.owner.release(this);
    p.done({ status: this.status, body });
  }

  private fail(e: Error): void {
    const p = this.pending;
    this.pending = undefined;
    this.destroy();
    if (p) p.done({ error: e });
  }

  private onClose(e: Error | undefined): void {
    if (this.dead && this.pending === undefined) return;
    const p = this.pending;
    this.pending = undefined;
    this.destroy();
    if (!p) return;
    if (this.remaining === -2 && this.inBody && e === undefined) {
      // A body delimited by the connection's close.
      const body = this.chunks === undefined ? undefined : Buffer.concat(this.chunks).toString('utf8');
      p.done({ status: this.status, body });
      return;
    }
    // A reused connection the server had already closed: the request never reached it.
    if (this.got === 0 && this.used > 0 && !p.retried && (p.req.method === 'GET' || p.req.method === 'HEAD')) {
      p.retried = true;
      this.owner.resend(p);
      return;
    }
    p.done({ error: e ?? netError('ECONNRESET', 'connection closed before the response was complete') });
  }

  /** Used by the sweep. */
  timeOut(): void {
    this.fail(netError('ETIMEDOUT', 'request timeout'));
  }

  destroy(): void {
    if (this.dead) return;
    this.dead = true;
    this.owner.forget(this);
    this.socket.destroy();
  }
}

export class NetTransport implements Transport {
  readonly hostHeader: string;
  private readonly host: string;
  private readonly port: number;
  private readonly secure: boolean;
  /** Sweep ticks a request may stay in flight (timeoutMs in ticks, rounded up). */
  private readonly timeoutTicks: number;
  /** Milliseconds a sweep tick stands for. */
  private readonly tickMs: number;
  private ticks = 0;
  private readonly idle: Conn[] = [];
  private readonly all = new Set<Conn>();
  private readonly sweep: NodeJS.Timeout;
  private closed = false;

  constructor(opts: TransportOptions) {
    const url = new URL(opts.baseUrl);
    this.secure = url.protocol === 'https:';
    this.host = url.hostname.replace(/^\[|\]$/g, '');
    this.port = Number(url.port || (this.secure ? 443 : 80));
    this.hostHeader = url.host;
    const every = Math.min(250, Math.max(10, Math.round(opts.timeoutMs / 20)));
    this.timeoutTicks = Math.ceil(opts.timeoutMs / every);
    this.tickMs = every;
    this.sweep = setInterval(() => this.expire(), every);
    this.sweep.unref();
  }

  send(req: TransportRequest, done: (o: TransportOutcome) => void): void {
    this.dispatch({ req, done, startedTick: this.ticks, retried: false });
  }

  private dispatch(p: Pending): void {
    if (this.closed) {
      p.done({ error: netError('ECONNABORTED', 'transport closed') });
      return;
    }
    let conn = this.idle.pop();
    while (conn !== undefined && this.idledOut(conn)) {
      conn.destroy();
      conn = this.idle.pop();
    }
    (conn ?? this.connect()).write(p);
  }

  /** Idle past the server's keep-alive timeout (less the margin): the server may be closing it right now. */
  private idledOut(c: Conn): boolean {
    return this.ticks > c.idleUntilTick;
  }

  /** A request to send once more (a reused connection closed under it). */
  resend(p: Pending): void {
    queueMicrotask(() => this.dispatch(p));
  }

  private connect(): Conn {
    const socket = this.secure ? tls.connect({ host: this.host, port: this.port, servername: net.isIP(this.host) ? undefined : this.host, ALPNProtocols: ['http/1.1'] }) : net.connect({ host: this.host, port: this.port });
    const c = new Conn(this, socket);
    this.all.add(c);
    return c;
  }

  release(c: Conn): void {
    if (this.closed) c.destroy();
    else {
      // Ticks counted from now undercount the idle time by less than one: one tick less is allowed.
      c.idleUntilTick = this.ticks - 1 + idleLimitMs(c.keepAliveSec) / this.tickMs;
      this.idle.push(c);
    }
  }

  forget(c: Conn): void {
    this.all.delete(c);
    const i = this.idle.lastIndexOf(c);
    if (i >= 0) this.idle.splice(i, 1);
  }

  private expire(): void {
    const cutoff = ++this.ticks - this.timeoutTicks;
    // A request sent during tick t has been in flight less than (now − t) ticks: it expires once that exceeds timeoutTicks.
    for (const c of this.all) if (c.pending !== undefined && c.pending.startedTick < cutoff) c.timeOut();
    // Connections idle past the server's keep-alive timeout are closed here too, so they do not pile up.
    for (let i = this.idle.length - 1; i >= 0; i--) if (this.idledOut(this.idle[i]!)) this.idle[i]!.destroy();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweep);
    for (const c of [...this.all]) {
      const p = c.pending;
      c.pending = undefined;
      c.destroy();
      p?.done({ error: netError('ECONNABORTED', 'transport closed') });
    }
  }
}
