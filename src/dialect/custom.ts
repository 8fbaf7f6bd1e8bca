/**
 * Your own endpoints (issue 10): an operation a suite declares beyond the built-in ones (`fetchBalance`,
 * `fetchOpenOrders`, an internal `/v1/risk/limits`), turned into a `RestOperation` of a dialect, so it is built,
 * signed and classified like the built-in ones. Templates may use `{symbol}` (the exchange's id of the unified
 * symbol), `{orderId}` and `{depth}`; nothing else, so a typo is an error at load time, not a request on the wire.
 */
import type { Dialect, HttpMethod, OperationInput, ParamEncoding, Params, RestOperation } from './types.ts';

export const PLACEHOLDERS = ['symbol', 'orderId', 'depth'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

export interface CustomOperationSpec {
  method: HttpMethod;
  /** Path, may hold placeholders: `/api/v3/openOrders`, `/v1/orders/{orderId}`. */
  path: string;
  /** Parameters in order; values may hold placeholders (`{ symbol: '{symbol}' }`). */
  params?: Readonly<Record<string, string | number | boolean>>;
  /** Default: `query` for GET and DELETE, `json` otherwise. */
  encoding?: ParamEncoding;
  /** Signed with the dialect's scheme. Default false. */
  signed?: boolean;
}

const PLACEHOLDER_RE = /\{([A-Za-z]+)\}/g;

/** Problems with a spec, each naming the field (`path`, `params.symbol`); empty when it is fine. */
export function customOperationProblems(spec: CustomOperationSpec): string[] {
  const problems: string[] = [];
  const check = (where: string, text: string) => {
    // An exec loop, not matchAll: k6's older runtimes lack ES2020 library methods.
    const re = new RegExp(PLACEHOLDER_RE.source, 'g');
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      if (!(PLACEHOLDERS as readonly string[]).includes(m[1]!)) problems.push(`${where}: unknown placeholder {${m[1]}}; use ${PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}`);
    }
  };
  if (!spec.path.startsWith('/')) problems.push(`path: must start with "/", got "${spec.path}"`);
  check('path', spec.path);
  for (const [k, v] of Object.entries(spec.params ?? {})) if (typeof v === 'string') check(`params.${k}`, v);
  return problems;
}

function fill(dialect: Dialect, text: string, input: OperationInput, encode: boolean): string {
  return text.replace(PLACEHOLDER_RE, (_all, name: string) => {
    let v: string | undefined;
    if (name === 'symbol') v = input.symbol === undefined ? undefined : dialect.symbols.toExchange(input.symbol);
    else if (name === 'orderId') v = input.orderId;
    else if (name === 'depth') v = input.depth === undefined ? undefined : String(input.depth);
    if (v === undefined) throw new Error(`custom operation: {${name}} has no value`);
    return encode ? encodeURIComponent(v) : v;
  });
}

/** The spec as an operation of `dialect`. Throws on a spec with problems (validate with customOperationProblems first). */
export function customOperation(dialect: Dialect, spec: CustomOperationSpec): RestOperation {
  const problems = customOperationProblems(spec);
  if (problems.length > 0) throw new Error(`custom operation: ${problems.join('; ')}`);
  const encoding = spec.encoding ?? (spec.method === 'GET' || spec.method === 'DELETE' ? 'query' : 'json');
  const entries = Object.entries(spec.params ?? {});
  return {
    method: spec.method,
    path: spec.path,
    encoding,
    signed: spec.signed ?? false,
    request(input) {
      const params: Params = entries.map(([k, v]) => [k, typeof v === 'string' ? fill(dialect, v, input, false) : v] as const);
      return { path: fill(dialect, spec.path, input, true), params };
    },
  };
}
