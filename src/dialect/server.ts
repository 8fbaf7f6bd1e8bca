/**
 * Server half helpers for the mock (issue 10), derived from the same descriptions the clients use: which
 * operation a request is (routing), and which refusal a failed verification is.
 */
import { OPERATIONS, type Dialect, type OperationName, type ServerErrorKind } from './types.ts';
import type { VerifyResult } from './request.ts';

export interface RouteMatch {
  op: OperationName;
  /** Values of path placeholders, e.g. `{ orderId: 'o-1' }` for loadgate's `DELETE /api/v1/orders/{orderId}`. */
  pathParams: Record<string, string>;
}

/**
 * The operation a request is, by method and path (no query). Operations that share a route (OKX and Bybit probe
 * health on the time endpoint) match the first in OPERATIONS order, i.e. `fetchTime`.
 */
export function matchRoute(dialect: Dialect, method: string, path: string): RouteMatch | undefined {
  for (const op of OPERATIONS) {
    const o = dialect.rest[op];
    if (o.method !== method.toUpperCase()) continue;
    const pathParams = matchTemplate(o.path, path);
    if (pathParams !== undefined) return { op, pathParams };
  }
  return undefined;
}

/** `'/api/v1/orders/{orderId}'` against `'/api/v1/orders/o%2D1'` → `{ orderId: 'o-1' }`; undefined if it doesn't match. */
export function matchTemplate(template: string, path: string): Record<string, string> | undefined {
  const t = template.split('/');
  const p = path.split('/');
  if (t.length !== p.length) return undefined;
  const out: Record<string, string> = {};
  for (let i = 0; i < t.length; i++) {
    const seg = t[i]!;
    if (seg.startsWith('{') && seg.endsWith('}')) {
      if (p[i] === '') return undefined;
      try {
        out[seg.slice(1, -1)] = decodeURIComponent(p[i]!);
      } catch {
        return undefined;
      }
    } else if (seg !== p[i]) return undefined;
  }
  return out;
}

/** The refusal to answer for a failed `verifyRequest`. */
export function verifyFailureKind(reason: Extract<VerifyResult, { ok: false }>['reason']): ServerErrorKind {
  switch (reason) {
    case 'missingApiKey':
    case 'unknownApiKey':
      return 'invalidApiKey';
    case 'missingPassphrase':
    case 'badPassphrase':
      return 'invalidPassphrase';
    case 'timestampOutsideRecvWindow':
      return 'timestampOutsideRecvWindow';
    case 'invalidSignature':
      return 'invalidSignature';
  }
}
