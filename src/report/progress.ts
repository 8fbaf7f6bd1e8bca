/**
 * Live progress during a run. On a TTY: one line redrawn in place (`\r` + clear line) with a bar per workload.
 * Otherwise (CI logs): a plain line at most every 5 s. Pure except through the injected `write`; time comes
 * from the injected `now`.
 */
import type { Progress } from '../engines/types.js';
import { fmtCount, fmtNum } from './format.js';

export interface ProgressOptions {
  /** Redraw one line in place (true) or print plain lines (false). */
  tty: boolean;
  write: (s: string) => void;
  /** Clock in ms (any monotonic timebase). */
  now: () => number;
  /** Terminal width in columns (the CLI passes the stream's `columns`); the TTY line never reaches it, so it never wraps. Default 80. */
  width?: number;
  /** Minimum ms between plain lines when not a TTY. Default 5000. */
  plainIntervalMs?: number;
  /** Minimum ms between TTY redraws. Default 100. */
  ttyIntervalMs?: number;
}

export interface ProgressRenderer {
  update(p: Progress): void;
  /** Final state, then a line break (TTY) so the summary starts on a clean line. Idempotent. */
  done(): void;
}

const CLEAR_LINE = '\r\u001b[2K';

function bar(fraction: number, width: number): string {
  const f = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  const full = Math.round(f * width);
  return `${'█'.repeat(full)}${'░'.repeat(width - full)}`;
}

function pct(p: Progress): number {
  return p.totalSec > 0 ? Math.min(100, (p.elapsedSec / p.totalSec) * 100) : 0;
}

function clean(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f]/g, '?');
}

function errPart(p: Progress): string {
  return p.errors > 0 ? ` ${fmtCount(p.errors)} err (${fmtNum((p.errors / Math.max(1, p.requests)) * 100)}%)` : ' 0 err';
}

/** Requests (or messages) per second so far. */
function ratePart(p: Progress): string {
  if (!(p.elapsedSec > 0)) return '';
  const r = p.requests / p.elapsedSec;
  return ` ${r >= 100 ? fmtCount(Math.round(r)) : fmtNum(r)}/s`;
}

function unitWord(p: Progress): string {
  return p.unit === 'messages' ? 'msg' : p.unit === 'connections' ? 'conn' : 'req';
}

function p99Part(p: Progress): string {
  return p.p99Ms === undefined ? '' : ` p99 ${fmtNum(p.p99Ms)} ms`;
}

export function createProgress(opts: ProgressOptions): ProgressRenderer {
  const width = Math.max(20, opts.width ?? 80);
  const plainEvery = opts.plainIntervalMs ?? 5000;
  const ttyEvery = opts.ttyIntervalMs ?? 100;
  const latest = new Map<string, Progress>();
  let lastWriteMs: number | undefined;
  let dirty = false;
  let finished = false;
  let drewTty = false;

  // Shortest forms last: the first that fits the terminal wins, so the line never wraps and leaves no stale rows.
  const ttyLine = (): string => {
    const items = [...latest.values()];
    const forms = [
      (p: Progress, bw: number) =>
        `${clean(p.workload)} ${bar(pct(p) / 100, bw)} ${Math.floor(pct(p))}% ${Math.floor(p.elapsedSec)}/${Math.round(p.totalSec)}s ${fmtCount(p.requests)} ${unitWord(p)}${ratePart(p)}${errPart(p)}${p99Part(p)}`,
      (p: Progress) => `${clean(p.workload)} ${Math.floor(pct(p))}% ${fmtCount(p.requests)} ${unitWord(p)}${ratePart(p)}${errPart(p)}${p99Part(p)}`,
      (p: Progress) => `${clean(p.workload)} ${Math.floor(pct(p))}%${ratePart(p)}${p.errors > 0 ? ` ${fmtCount(p.errors)} err` : ''}${p99Part(p)}`,
    ];
    const barWidth = items.length > 2 ? 6 : items.length > 1 ? 10 : 16;
    let line = '';
    for (const f of forms) {
      line = items.map((p) => f(p, barWidth)).join(' │ ');
      if ([...line].length <= width - 1) return line;
    }
    const chars = [...line];
    return `${chars.slice(0, width - 2).join('')}…`;
  };

  const plainLine = (): string =>
    `[loadgate] ${[...latest.values()]
      .map((p) => `${clean(p.workload)}: ${Math.floor(pct(p))}% (${Math.floor(p.elapsedSec)}/${Math.round(p.totalSec)} s), ${fmtCount(p.requests)} ${p.unit ?? 'requests'}${ratePart(p)}${p.errors > 0 ? errPart(p) : ''}${p99Part(p)}`)
      .join('; ')}\n`;
  const flush = () => {
    if (opts.tty) {
      opts.write(`${CLEAR_LINE}${ttyLine()}`);
      drewTty = true;
    } else opts.write(plainLine());
    dirty = false;
  };

  return {
    update(p) {
      if (finished) return;
      latest.set(p.workload, { ...p });
      dirty = true;
      const t = opts.now();
      const every = opts.tty ? ttyEvery : plainEvery;
      if (lastWriteMs === undefined || t - lastWriteMs >= every) {
        lastWriteMs = t;
        flush();
      }
    },
    done() {
      if (finished) return;
      finished = true;
      if (dirty) flush();
      if (opts.tty && drewTty) opts.write('\n');
    },
  };
}
