/**
 * Reading the reference price that limit orders are priced from (issue 16: a missing price once became 1).
 * Pure. The k6 scenarios carry the same function in scenarios/lib/payloads.ts (src/ never imports scenarios/, and
 * the installed package ships no src/*.ts for k6 to bundle); test/unit/reference-price.test.ts holds the two equal.
 */

/**
 * The reference price of a ticker answer (`last`, a number or a decimal string), or what was read instead, in
 * words for the refusal (issue 16: a missing price must never become 1). Orders are only placed at a price
 * read from the target.
 */
export function readReferencePrice(status: number, body: string | null | undefined): { price: number } | { problem: string } {
  if (!(status >= 200 && status < 300)) return { problem: `the ticker answered HTTP ${status}${bodyHint(body)}` };
  if (typeof body !== 'string' || body === '') return { problem: `the ticker answered HTTP ${status} with an empty body` };
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch {
    return { problem: `the ticker answered HTTP ${status} with a body that is not JSON${bodyHint(body)}` };
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return { problem: `the ticker body is not a JSON object${bodyHint(body)}` };
  const o = data as Record<string, unknown>;
  if (!('last' in o)) {
    const keys = Object.keys(o).slice(0, 12);
    return { problem: `the ticker body has no "last" field (keys: ${keys.length ? keys.join(', ') : 'none'})` };
  }
  const v = typeof o.last === 'number' ? o.last : typeof o.last === 'string' && o.last.trim() !== '' ? Number(o.last) : Number.NaN;
  if (!Number.isFinite(v) || v <= 0) return { problem: `the ticker's "last" is not a positive number (${JSON.stringify(o.last)})` };
  return { price: v };
}

function bodyHint(body: string | null | undefined): string {
  if (typeof body !== 'string' || body === '') return '';
  const s = body.length > 120 ? `${body.slice(0, 120)}…` : body;
  return `: ${s}`;
}

/** Whether a mix places orders (createOrder, or cancelOrder, whose set-up creates orders to cancel). */
export function mixPlacesOrders(mix: ReadonlyArray<{ endpoint: string }>): boolean {
  return mix.some((m) => m.endpoint === 'createOrder' || m.endpoint === 'cancelOrder');
}
