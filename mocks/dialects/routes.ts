/**
 * The mock's router, compiled once from a dialect's REST description: the same answers as `matchRoute`
 * (src/dialect/server.ts), without its per-request splitting for the fixed paths, which are nearly all of them.
 */
import { matchTemplate, OPERATIONS, type Dialect, type OperationName } from '../../src/dialect/index.js';
import type { ExtraRoute } from './types.js';

export interface Route {
  op: OperationName;
  pathParams: Readonly<Record<string, string>>;
  /** An extra route's tag. */
  tag?: string;
}

const NO_PARAMS: Readonly<Record<string, string>> = Object.freeze({});

export interface Router {
  /** The operation a request is (method as Node gives it, upper case; path without query), or undefined. */
  match(method: string, path: string): Route | undefined;
}

export function compileRoutes(dialect: Dialect, extra: readonly ExtraRoute[] = []): Router {
  const fixed = new Map<string, Map<string, Route>>();
  const templated: Array<{ method: string; template: string; op: OperationName }> = [];
  // OPERATIONS order, first one wins: operations that share a route (health on the time endpoint) are fetchTime.
  for (const op of OPERATIONS) {
    const o = dialect.rest[op];
    if (o.path.includes('{')) {
      templated.push({ method: o.method, template: o.path, op });
      continue;
    }
    let byPath = fixed.get(o.method);
    if (byPath === undefined) fixed.set(o.method, (byPath = new Map()));
    if (!byPath.has(o.path)) byPath.set(o.path, Object.freeze({ op, pathParams: NO_PARAMS }));
  }
  // A speaker's extra routes never shadow the dialect's own.
  for (const e of extra) {
    let byPath = fixed.get(e.method);
    if (byPath === undefined) fixed.set(e.method, (byPath = new Map()));
    if (!byPath.has(e.path)) byPath.set(e.path, Object.freeze({ op: e.op, pathParams: NO_PARAMS, tag: e.tag }));
  }
  return {
    match(method, path) {
      const hit = fixed.get(method)?.get(path);
      if (hit !== undefined) return hit;
      for (const t of templated) {
        if (t.method !== method) continue;
        const pathParams = matchTemplate(t.template, path);
        if (pathParams !== undefined) return { op: t.op, pathParams };
      }
      return undefined;
    },
  };
}
