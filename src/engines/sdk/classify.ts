/**
 * SDK exceptions → loadgate's error classes (issue 11). ccxt's errors form a class hierarchy
 * (https://docs.ccxt.com/#/README?id=error-hierarchy); an error is classified by the first class on its
 * prototype chain that the table names, most specific first, so `OrderNotFound` (a subclass of `InvalidOrder`)
 * is orderNotFound and `OnMaintenance` (an `ExchangeNotAvailable`, a `NetworkError`) is a server error. Matching by
 * class name needs no ccxt import, so it also classifies a module driver that throws ccxt's errors. Pure.
 */
import { classifyTransportError } from '../../dialect/errors.js';
import type { ClassifiedError, ClassifyError } from './contract.js';

/** ccxt class name → class (and, for trading errors, the reason counted as the error code). */
export const CCXT_ERROR_CLASSES: Readonly<Record<string, ClassifiedError>> = {
  RequestTimeout: { errorClass: 'timeout', errorCode: 'RequestTimeout' },
  RateLimitExceeded: { errorClass: 'rateLimit', errorCode: 'RateLimitExceeded' },
  DDoSProtection: { errorClass: 'rateLimit', errorCode: 'DDoSProtection' },
  OnMaintenance: { errorClass: 'server', errorCode: 'OnMaintenance' },
  ExchangeNotAvailable: { errorClass: 'server', errorCode: 'ExchangeNotAvailable' },
  NetworkError: { errorClass: 'network', errorCode: 'NetworkError' },
  PermissionDenied: { errorClass: 'auth', errorCode: 'PermissionDenied' },
  AuthenticationError: { errorClass: 'auth', errorCode: 'AuthenticationError' },
  InsufficientFunds: { errorClass: 'trading', errorCode: 'insufficientMargin' },
  OrderNotFound: { errorClass: 'trading', errorCode: 'orderNotFound' },
  InvalidOrder: { errorClass: 'trading', errorCode: 'invalidOrder' },
  // Everything else ccxt raises for an answer it understood (BadRequest, BadSymbol, …): the request was wrong.
  ExchangeError: { errorClass: 'client' },
};

/** The class names on `err`'s prototype chain, most specific first (`['OrderNotFound', 'InvalidOrder', 'ExchangeError', 'BaseError', 'Error']`). */
export function errorClassNames(err: unknown): string[] {
  const names: string[] = [];
  let p: unknown = err !== null && typeof err === 'object' ? Object.getPrototypeOf(err) : undefined;
  for (let i = 0; p !== null && p !== undefined && i < 32; i++) {
    const name = (p as { constructor?: { name?: unknown } }).constructor?.name;
    if (typeof name === 'string' && name !== '' && names.at(-1) !== name) names.push(name);
    p = Object.getPrototypeOf(p);
  }
  return names;
}

export const classifyCcxtError: ClassifyError = (err) => {
  for (const name of errorClassNames(err)) {
    const c = CCXT_ERROR_CLASSES[name];
    if (c === undefined) continue;
    // A catch-all class keeps the concrete class as its code (BadSymbol, BadRequest …).
    return c.errorCode !== undefined ? { ...c } : { errorClass: c.errorClass, errorCode: errorClassNames(err)[0] ?? name };
  }
  return undefined;
};

/**
 * The class of a failed call: the driver's own `classifyError` first, then ccxt's hierarchy, then a transport
 * error (`fetch failed`, a timeout) by its code; anything else is the client's (a bug in the driver, a bad argument).
 */
export function classifyCallError(err: unknown, own: ClassifyError | undefined): ClassifiedError {
  const mine = own?.(err);
  if (mine !== undefined) return mine;
  const ccxt = classifyCcxtError(err);
  if (ccxt !== undefined) return ccxt;
  const cause = (err as { cause?: unknown } | undefined)?.cause;
  const name = (err as Error | undefined)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') return { errorClass: 'timeout', errorCode: name };
  if (cause !== undefined || typeof (err as { code?: unknown } | undefined)?.code === 'string') {
    const t = classifyTransportError(cause ?? err);
    return { errorClass: t.errorClass, errorCode: t.errorCode };
  }
  return { errorClass: 'client', errorCode: typeof name === 'string' && name !== '' ? name : 'Error' };
}
