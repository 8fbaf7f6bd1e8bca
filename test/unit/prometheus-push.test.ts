/** Pushgateway URLs and push errors (the HTTP side is exercised in test/integration/prometheus-push and -stack). */
import { describe, expect, it } from 'vitest';
import { parsePushUrl, pushMetrics, pushUrl, runPushTarget, PushError } from '../../src/monitoring/push.js';
import { isLoadgateError } from '../../src/errors.js';

describe('Pushgateway pushes', () => {
  it('base64url-encodes every grouping value, so slashes and empty values make a valid path', () => {
    const t = runPushTarget('http://127.0.0.1:9091/', 'loadgate', 'a/b c', 'rc-2');
    expect(pushUrl(t)).toBe(`http://127.0.0.1:9091/metrics/job@base64/bG9hZGdhdGU/suite@base64/${Buffer.from('a/b c').toString('base64url')}/label@base64/cmMtMg`);
    expect(pushUrl(runPushTarget('http://h:9091', 'j', '', undefined))).toBe('http://h:9091/metrics/job@base64/ag/suite@base64/=');
  });

  it('refuses a non-http URL and credentials in the URL (exit 2)', () => {
    for (const bad of ['ftp://h/', 'not a url', 'http://user:pw@h:9091']) {
      let err: unknown;
      try {
        parsePushUrl(bad);
      } catch (e) {
        err = e;
      }
      expect(isLoadgateError(err) && err.exitCode, bad).toBe(2);
    }
    expect(parsePushUrl('https://push.example.invalid:9091').protocol).toBe('https:');
  });

  it('PUTs the text format and turns a refusal or an unreachable gateway into a PushError naming it', async () => {
    const seen: Array<{ url: string; method: string | undefined; type: string | null }> = [];
    const ok = (async (url: string, init: RequestInit) => {
      seen.push({ url, method: init.method, type: new Headers(init.headers).get('content-type') });
      return new Response('', { status: 202 });
    }) as unknown as typeof fetch;
    const t = runPushTarget('http://127.0.0.1:9', 'loadgate', 's', undefined);
    await pushMetrics(t, 'x 1\n', { fetch: ok });
    expect(seen).toEqual([{ url: pushUrl(t), method: 'PUT', type: 'text/plain; version=0.0.4' }]);
    const refused = (async () => new Response('text format parsing error in line 1', { status: 400, statusText: 'Bad Request' })) as unknown as typeof fetch;
    await expect(pushMetrics(t, 'x\n', { fetch: refused })).rejects.toThrow(/answered 400 Bad Request: text format parsing error/);
    const down = (async () => {
      throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
    }) as unknown as typeof fetch;
    await expect(pushMetrics(t, 'x 1\n', { fetch: down })).rejects.toBeInstanceOf(PushError);
    await expect(pushMetrics(t, 'x 1\n', { fetch: down })).rejects.toThrow(/cannot reach the Pushgateway at http:\/\/127\.0\.0\.1:9 \(ECONNREFUSED\)/);
  });
});
