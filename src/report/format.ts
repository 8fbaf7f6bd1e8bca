/** Number formatting and escaping shared by the renderers. Pure. */
import type { Check } from '../sla/checks.js';

export const DASH = '—';

/**
 * A number with 1–3 decimals by magnitude (≥100 → 1, ≥1 → 2, else 3): enough to read HDR values (3
 * significant digits) without noise. `—` for missing.
 */
export function fmtNum(v: number | undefined | null): string {
  if (v === undefined || v === null) return DASH;
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  const s = v.toFixed(a >= 100 ? 1 : a >= 1 ? 2 : 3);
  // Never show a non-zero value as zero (e.g. an error rate of 0.0004%).
  if (v !== 0 && Number(s) === 0) return v > 0 ? '<0.001' : '>-0.001';
  return s;
}

export function fmtMs(v: number | undefined | null): string {
  return fmtNum(v);
}

export function fmtPct(v: number | undefined | null): string {
  return v === undefined || v === null ? DASH : `${fmtNum(v)}%`;
}

/** Integer with thousands separators. */
export function fmtCount(v: number | undefined | null): string {
  if (v === undefined || v === null) return DASH;
  if (!Number.isInteger(v)) return fmtNum(v);
  return String(v).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** A number as the user wrote it (limits, window sizes): no padding zeros, at most 6 decimals. */
export function fmtPlain(v: number): string {
  return String(Number(v.toFixed(6)));
}

export function fmtDurationSec(sec: number): string {
  if (sec < 60) return `${Number.isInteger(sec) ? sec : sec.toFixed(1)} s`;
  const h = Math.floor(sec / 3600);
  const m = Math.floor((sec % 3600) / 60);
  const s = Math.round(sec % 60);
  return h > 0 ? `${h}h ${String(m).padStart(2, '0')}m ${String(s).padStart(2, '0')}s` : `${m}m ${String(s).padStart(2, '0')}s`;
}

/** A value in a check's unit, e.g. `412 ms`, `0.80%`, `95.2 /s`. */
export function fmtValue(v: number | undefined | null, unit: Check['unit']): string {
  if (v === undefined || v === null) return DASH;
  switch (unit) {
    case 'ms':
      return `${fmtNum(v)} ms`;
    case '%':
      return fmtPct(v);
    case '/s':
      return `${fmtNum(v)} /s`;
    case '/min':
      return `${fmtNum(v)} /min`;
    case 'count':
      return fmtCount(v);
  }
}

/** `< 300 ms`, `>= 99%`, with the window when the check is windowed. The limit is shown as written. */
export function fmtLimit(c: Pick<Check, 'op' | 'limit' | 'unit' | 'windowSec'>): string {
  const v = fmtPlain(c.limit);
  const unit = c.unit === 'count' ? '' : c.unit === '%' ? '%' : ` ${c.unit}`;
  const base = `${c.op} ${v}${unit}`;
  return c.windowSec === undefined ? base : `${base} in every ${fmtPlain(c.windowSec)} s window`;
}

/** Past this relative margin a percentage says nothing (`-15526200%`): the margin reads as a ratio instead. */
const RATIO_FROM_PCT = 1000;

/**
 * A check's headroom: percentage points for percent metrics (1.23% errors against a 1% budget is `-0.23 pp`, not
 * `-23%`); relative to the limit for the others, as a ratio to the limit when that is huge (`×155,300` for
 * 155.3 ms against a 0.001 ms limit). A bare number is a relative margin in percent.
 */
export function fmtMargin(c: { marginPct?: number | undefined; marginPp?: number | undefined; actual?: number | undefined; limit?: number; unit?: Check['unit'] } | number | undefined | null): string {
  if (c === undefined || c === null) return DASH;
  if (typeof c === 'number') return `${c >= 0 ? '+' : ''}${fmtNum(c)}%`;
  if (c.unit === '%' && c.marginPp !== undefined) {
    const pp = c.marginPp;
    return `${pp >= 0 ? '+' : ''}${Math.abs(pp) >= 0.01 && Math.abs(pp) < 100 ? pp.toFixed(2) : fmtNum(pp)} pp`;
  }
  const m = c.marginPct;
  if (m === undefined) return DASH;
  if (Math.abs(m) >= RATIO_FROM_PCT && c.actual !== undefined && c.limit !== undefined && c.limit !== 0 && c.actual / c.limit > 0) {
    const ratio = c.actual / c.limit;
    return `×${ratio >= 100 ? fmtCount(Math.round(ratio)) : fmtNum(ratio)}`;
  }
  return `${m >= 0 ? '+' : ''}${fmtNum(m)}%`;
}

/** Characters XML 1.0 does not allow at all (C0 controls except tab/LF/CR, lone surrogates, U+FFFE/F). */
const XML_INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Escape for XML text and attribute values (both quote kinds), dropping characters XML cannot carry. */
export function escapeXml(s: string): string {
  return s
    .replace(XML_INVALID, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** Escape for HTML text and quoted attribute values. */
export function escapeHtml(s: string): string {
  return s
    .replace(XML_INVALID, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/**
 * Escape untrusted text for a GitHub-flavoured Markdown table cell or paragraph: no pipes that split cells,
 * no line breaks, no HTML, no emphasis/link/code syntax.
 */
export function escapeMd(s: string): string {
  return s
    .replace(/\r\n|\r|\n/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]|~#!])/g, '\\$1');
}

/** Prometheus label value escaping: backslash, double quote, line feed (text exposition format 0.0.4). */
export function escapePromLabel(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** Prometheus sample value. */
export function fmtPromValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

// ---- ANSI colour (no dependency) ----

export interface Paint {
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
  passBanner(s: string): string;
  failBanner(s: string): string;
  /** Amber: incomplete or untrustworthy. */
  warnBanner(s: string): string;
}

const sgr = (open: number, close: number) => (s: string) => `\u001b[${open}m${s}\u001b[${close}m`;

export function paint(color: boolean): Paint {
  if (!color) {
    const id = (s: string) => s;
    return { bold: id, dim: id, red: id, green: id, yellow: id, cyan: id, passBanner: id, failBanner: id, warnBanner: id };
  }
  return {
    bold: sgr(1, 22),
    dim: sgr(2, 22),
    red: sgr(31, 39),
    green: sgr(32, 39),
    yellow: sgr(33, 39),
    cyan: sgr(36, 39),
    passBanner: (s) => `\u001b[1;97;42m${s}\u001b[0m`,
    failBanner: (s) => `\u001b[1;97;41m${s}\u001b[0m`,
    warnBanner: (s) => `\u001b[1;30;43m${s}\u001b[0m`,
  };
}

/** Visible width of a string that may carry ANSI colour codes. */
export function visibleLength(s: string): number {
  // eslint-disable-next-line no-control-regex
  return [...s.replace(/\u001b\[[0-9;]*m/g, '')].length;
}
