/**
 * One classification for every engine (issue 10: k6 runs called insufficientMargin `client` while autocannon runs
 * called it `trading`). A response has two witnesses, its HTTP status and its body error code; each gives a class
 * and the more specific one wins, in this order:
 *
 *   rateLimit > auth > server > trading > timeout > network > client
 *
 * so a 401 with any body is auth, a 429 is a rate limit whatever the body says, a 5xx stays a server error even
 * when it names a trading code, and a 400 that says "insufficient balance" is a trading error, not a client bug.
 * (This is exactly how src/engines/exchange-requests.ts classifies the loadgate mock today; the unit test holds
 * the two side by side.)
 */
import type { ErrorClass } from '../result/model.ts';
import type { Classified, ErrorRule, ErrorTable } from './types.ts';

export const CLASS_PRECEDENCE: readonly ErrorClass[] = ['rateLimit', 'auth', 'server', 'trading', 'timeout', 'network', 'client', 'check'];

const rank = (c: ErrorClass): number => {
  const i = CLASS_PRECEDENCE.indexOf(c);
  return i === -1 ? CLASS_PRECEDENCE.length : i;
};

/** The class of an HTTP status alone; undefined for 1xx–3xx. */
export function statusClass(table: ErrorTable, status: number): ErrorClass | undefined {
  const own = table.statuses?.[status];
  if (own !== undefined) return own;
  if (status < 400) return undefined;
  if (status === 429) return 'rateLimit';
  if (status === 401 || status === 403) return 'auth';
  if (status === 408) return 'timeout';
  if (status >= 500) return 'server';
  return 'client';
}

/** Classifies a response; undefined for a success (a 2xx/3xx whose body carries no error code). */
export function classify(table: ErrorTable, status: number, body: string | undefined): Classified | undefined {
  const code = table.readCode(body, status);
  const byStatus = statusClass(table, status);
  if (code === undefined && byStatus === undefined) return undefined;
  const rule: ErrorRule | undefined = code === undefined ? undefined : (table.codes[code] ?? { errorClass: table.unknownCode });
  let errorClass: ErrorClass;
  if (rule === undefined) errorClass = byStatus!;
  else if (byStatus === undefined) errorClass = rule.errorClass;
  else errorClass = rank(rule.errorClass) <= rank(byStatus) ? rule.errorClass : byStatus;
  const out: Classified = code === undefined ? { errorClass } : { errorClass, errorCode: code };
  if (errorClass === 'trading' && rule?.reason !== undefined) out.reason = rule.reason;
  return out;
}

/** A transport failure (no response): a timeout if the error says so, else a network error; the code is the error's. */
export function classifyTransportError(err: unknown): Required<Pick<Classified, 'errorClass' | 'errorCode'>> {
  const code = (err as { code?: unknown } | undefined)?.code;
  const text = typeof code === 'string' ? code : ((err as Error | undefined)?.message ?? 'unknown');
  if (/timeout|ETIMEDOUT|UND_ERR_.*TIMEOUT/i.test(text)) return { errorClass: 'timeout', errorCode: text };
  return { errorClass: 'network', errorCode: text };
}

/** Builds a code table from groups: `rules(['-2010'], 'trading', 'insufficientMargin')`. */
export function rules(codes: readonly (string | number)[], errorClass: ErrorClass, reason?: ErrorRule['reason']): Record<string, ErrorRule> {
  const out: Record<string, ErrorRule> = {};
  for (const c of codes) out[String(c)] = reason === undefined ? { errorClass } : { errorClass, reason };
  return out;
}
