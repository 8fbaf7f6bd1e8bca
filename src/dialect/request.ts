/**
 * Turns a dialect's operation into a request on the wire: parameters encoded where the operation says, then
 * signed by the dialect's scheme when the operation is private and credentials are given. Pure.
 */
import { encodeParams, jsonParams } from './codec.ts';
import type { Dialect, OperationInput, OperationName, RestOperation, SignContext, UnsignedRequest, WireRequest } from './types.ts';

export const FORM = 'application/x-www-form-urlencoded';
export const JSON_TYPE = 'application/json';

/** The request before signing (`op` names one of the dialect's operations, or is a custom `RestOperation`). */
export function unsignedRequest(dialect: Dialect, op: OperationName | RestOperation, input: OperationInput = {}): UnsignedRequest {
  const o = typeof op === 'string' ? dialect.rest[op] : op;
  const { path, params } = o.request(input);
  if (o.encoding === 'query' || params.length === 0) return { method: o.method, path, query: encodeParams(params), body: '' };
  if (o.encoding === 'json') return { method: o.method, path, query: '', body: jsonParams(params), contentType: JSON_TYPE };
  return { method: o.method, path, query: '', body: encodeParams(params), contentType: FORM };
}

/** Unsigned request → wire request without a signature (public operations, or no credentials). */
export function plainRequest(req: UnsignedRequest): WireRequest {
  const headers: Record<string, string> = {};
  if (req.contentType !== undefined) headers['content-type'] = req.contentType;
  return { method: req.method, path: req.query === '' ? req.path : `${req.path}?${req.query}`, headers, body: req.body === '' ? undefined : req.body };
}

/**
 * The request for `op`. Private operations are signed when `sign` is given; without it they go unsigned
 * (the exchange answers auth errors, which is what a run without keys should measure).
 */
export function buildRequest(dialect: Dialect, op: OperationName | RestOperation, input: OperationInput = {}, sign?: SignContext): WireRequest {
  const o = typeof op === 'string' ? dialect.rest[op] : op;
  const req = unsignedRequest(dialect, o, input);
  if (!o.signed || sign === undefined) return plainRequest(req);
  if (dialect.signing.needsPassphrase && !sign.credentials.passphrase) {
    throw new Error(`dialect ${dialect.name}: signing needs a passphrase (credentials.passphrase)`);
  }
  return dialect.signing.sign(req, sign);
}

/** Constant-time-ish string comparison for signatures (no early exit on the first difference). */
export function signaturesEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

export type VerifyResult = { ok: true; apiKey: string } | { ok: false; reason: 'missingApiKey' | 'unknownApiKey' | 'missingPassphrase' | 'badPassphrase' | 'timestampOutsideRecvWindow' | 'invalidSignature' };

/**
 * Server half: checks a received request's key, passphrase, timestamp (within the receive window of the server's
 * clock `nowMs`) and signature. `lookup` gives the credentials of an API key.
 */
export function verifyRequest(
  dialect: Dialect,
  req: Parameters<Dialect['signing']['received']>[0],
  lookup: (apiKey: string) => { apiSecret: string; passphrase?: string } | undefined,
  nowMs: number,
  hmac: SignContext['hmac'],
  maxRecvWindowMs = dialect.signing.defaultRecvWindowMs,
): VerifyResult {
  const s = dialect.signing;
  const parts = s.received(req);
  if (parts.apiKey === undefined || parts.apiKey === '') return { ok: false, reason: 'missingApiKey' };
  const creds = lookup(parts.apiKey);
  if (creds === undefined) return { ok: false, reason: 'unknownApiKey' };
  if (s.needsPassphrase) {
    if (parts.passphrase === undefined || parts.passphrase === '') return { ok: false, reason: 'missingPassphrase' };
    if (parts.passphrase !== creds.passphrase) return { ok: false, reason: 'badPassphrase' };
  }
  const windowMs = Math.min(maxRecvWindowMs, parts.recvWindowMs ?? maxRecvWindowMs);
  // A malformed receive window (`recvWindow=abc` is NaN) must not turn the window check off: NaN compares false.
  if (!(windowMs > 0) || !Number.isFinite(parts.timestampMs) || Math.abs(nowMs - parts.timestampMs) > windowMs) return { ok: false, reason: 'timestampOutsideRecvWindow' };
  const expected = hmac(s.algorithm, creds.apiSecret, parts.payload, s.encoding);
  if (parts.signature === undefined || !signaturesEqual(parts.signature, expected)) return { ok: false, reason: 'invalidSignature' };
  return { ok: true, apiKey: parts.apiKey };
}
