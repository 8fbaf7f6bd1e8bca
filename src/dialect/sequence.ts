/**
 * The one sequence tracker (issue 10): loss, duplicates, reordering and resyncs of one subscription, under the
 * dialect's sequence rule (src/dialect/types.ts `SequenceRule`). Pure, no imports but types, O(gaps) memory bounded
 * by the window: the ws engine (Node) and the k6 scenarios load the same file. It replaces
 * the ws engine's own tracker (window 4096, now deleted) and scenarios/lib/gaps.ts (window 64), which count differently:
 * the k6 one never counts seqs missing before the first message it saw, the engine's does.
 *
 * Id rules (`perSubscription`, `updateIdRange`, `updateId`) count in update ids: every id in a gap that is never
 * filled is lost, so for a per-message seq a lost id is a lost message, and for Binance's depth ranges it is a lost
 * book update. An id missing when the stream has moved `window` ids past it is given up on (lost); ids that arrive
 * later than that count as duplicates (beyond the window the two can't be told apart without unbounded memory).
 *
 * The chain rule (`prevSeqId`, OKX) can only prove that a link is missing, not how many messages it held (OKX ids
 * jump by arbitrary steps): each unfilled gap counts as one lost message, a lower bound (`lossExact: false`).
 * Its window counts messages.
 *
 * A resync (a snapshot in the middle of a stream, Bybit's `u = 1` restart, OKX's sequence reset) starts a new
 * segment: gaps already open are lost, the jump to the snapshot is not (the snapshot replaces what came before),
 * and resyncs are counted apart from loss.
 */
import type { SequencePoint, SequenceRule } from './types.ts';

export type SeqOutcome = 'new' | 'reordered' | 'duplicate' | 'resync' | 'keepalive' | 'untracked';

export interface SequenceSummary {
  /** false when the stream has no sequence: loss is not measurable. */
  tracked: boolean;
  /** Updates the numbering says were sent: received + lost. */
  expected: number;
  /** Distinct updates received (ids for id rules, messages for the chain rule). */
  received: number;
  lost: number;
  /** Whether `lost` is exact (id rules) or a lower bound (chain rule). */
  lossExact: boolean;
  /** Data messages seen, duplicates included. */
  messages: number;
  duplicates: number;
  reordered: number;
  resyncs: number;
  /** Gaps detected (runs of missing updates), filled or not. */
  gaps: number;
}

export const DEFAULT_SEQUENCE_WINDOW = 4096;

/** Percent of updates lost, or null when nothing says what was sent (no sequence, or no message): no-data, never 0. */
export function lossPct(s: SequenceSummary): number | null {
  if (!s.tracked || s.expected <= 0) return null;
  return (s.lost / s.expected) * 100;
}

export class SequenceTracker {
  private readonly window: number;
  private started = false;
  /** Id rules: first id of the current segment, highest id seen, ids expected in closed segments. */
  private segFirst = 0;
  private hi = 0;
  private closedExpected = 0;
  /** Id rules: missing id intervals [a, b], ascending and disjoint. */
  private missing: Array<[number, number]> = [];
  /** Chain rule: id of the last message applied, and open gaps (from → to) with the message count when they opened. */
  private lastId = 0;
  private chainGaps: Array<{ from: number; to: number; openedAt: number }> = [];
  private received = 0;
  private lost = 0;
  private messages = 0;
  private duplicates = 0;
  private reordered = 0;
  private resyncs = 0;
  private gaps = 0;

  constructor(
    readonly rule: SequenceRule,
    opts: { window?: number } = {},
  ) {
    this.window = opts.window ?? DEFAULT_SEQUENCE_WINDOW;
    if (rule.type === 'perSubscription') {
      // The numbering starts at a known value: ids before the first message received are missing too.
      this.started = true;
      this.segFirst = rule.startsAt;
      this.hi = rule.startsAt - 1;
    }
  }

  /** Highest id seen (id rules) or the last id applied (chain rule). */
  get highest(): number {
    return this.rule.type === 'prevSeqId' ? this.lastId : this.hi;
  }

  observe(p: SequencePoint | undefined): SeqOutcome {
    if (this.rule.type === 'none' || p === undefined) return 'untracked';
    this.messages++;
    if (this.rule.type === 'prevSeqId') return p.kind === 'chain' ? this.observeChain(p.prev, p.id) : this.untracked();
    if (p.kind !== 'range') return this.untracked();
    const first = p.first;
    const last = p.last >= p.first ? p.last : p.first;
    if (!Number.isFinite(first) || !Number.isFinite(last)) return this.untracked();
    if (!this.started) {
      this.started = true;
      this.segFirst = first;
      this.hi = last;
      this.received += last - first + 1;
      return 'new';
    }
    if (this.rule.type === 'updateId' && (p.snapshot === true || first === 1)) {
      // A snapshot that repeats the current id is a keep-alive (Bybit re-sends depth-1 snapshots when nothing moved).
      if (first === this.hi && last === this.hi) return 'keepalive';
      this.resync(first, last);
      return 'resync';
    }
    return this.observeRange(first, last);
  }

  private untracked(): SeqOutcome {
    this.messages--;
    return 'untracked';
  }

  private observeRange(first: number, last: number): SeqOutcome {
    if (first > this.hi) {
      if (first > this.hi + 1) {
        this.gaps++;
        this.missing.push([this.hi + 1, first - 1]);
      }
      this.received += last - first + 1;
      this.hi = last;
      this.evict();
      return 'new';
    }
    if (last <= this.hi) {
      const filled = last < this.segFirst ? 0 : this.fill(Math.max(first, this.segFirst), last);
      if (filled > 0) {
        this.received += filled;
        this.reordered++;
        return 'reordered';
      }
      this.duplicates++;
      return 'duplicate';
    }
    // Overlaps the top: part old (may fill a gap), part new.
    this.received += this.fill(Math.max(first, this.segFirst), this.hi) + (last - this.hi);
    this.hi = last;
    this.evict();
    return 'new';
  }

  /** Removes [a, b] from the missing intervals; returns how many ids were missing in it. */
  private fill(a: number, b: number): number {
    let filled = 0;
    const next: Array<[number, number]> = [];
    for (const [x, y] of this.missing) {
      if (y < a || x > b) {
        next.push([x, y]);
        continue;
      }
      filled += Math.min(y, b) - Math.max(x, a) + 1;
      if (x < a) next.push([x, a - 1]);
      if (y > b) next.push([b + 1, y]);
    }
    if (filled > 0) this.missing = next;
    return filled;
  }

  /** Ids more than `window` below the highest are given up on. */
  private evict(): void {
    const floor = this.hi - this.window;
    while (this.missing.length > 0) {
      const head = this.missing[0]!;
      if (head[0] >= floor) break;
      if (head[1] < floor) {
        this.lost += head[1] - head[0] + 1;
        this.missing.shift();
      } else {
        this.lost += floor - head[0];
        head[0] = floor;
        break;
      }
    }
  }

  private resync(first: number, last: number): void {
    for (const [a, b] of this.missing) this.lost += b - a + 1;
    this.missing = [];
    this.closedExpected += this.hi - this.segFirst + 1;
    this.segFirst = first;
    this.hi = last;
    this.received += last - first + 1;
    this.resyncs++;
  }

  private observeChain(prev: number, id: number): SeqOutcome {
    if (!this.started) {
      // A snapshot (prev = -1) or, joining mid-stream, any first message starts the chain.
      this.started = true;
      this.lastId = id;
      this.received++;
      return 'new';
    }
    if (prev === -1 || id < prev) {
      // A snapshot mid-stream, or OKX's sequence reset after maintenance (seqId below prevSeqId).
      this.lost += this.chainGaps.length;
      this.chainGaps = [];
      this.lastId = id;
      this.received++;
      this.resyncs++;
      return 'resync';
    }
    if (prev === this.lastId) {
      // OKX's keep-alive when the book has not moved: seqId = prevSeqId = the last seqId.
      if (id === prev) return 'keepalive';
      this.lastId = id;
      this.received++;
      return 'new';
    }
    if (prev > this.lastId) {
      this.gaps++;
      this.chainGaps.push({ from: this.lastId, to: prev, openedAt: this.messages });
      this.lastId = id;
      this.received++;
      this.expireChain();
      return 'new';
    }
    // Older than the last applied: does it fill (part of) an open gap?
    for (let i = 0; i < this.chainGaps.length; i++) {
      const g = this.chainGaps[i]!;
      if (g.from <= prev && id <= g.to && prev < id) {
        const parts: typeof this.chainGaps = [];
        if (prev > g.from) parts.push({ from: g.from, to: prev, openedAt: g.openedAt });
        if (id < g.to) parts.push({ from: id, to: g.to, openedAt: g.openedAt });
        this.chainGaps.splice(i, 1, ...parts);
        this.received++;
        this.reordered++;
        return 'reordered';
      }
    }
    this.duplicates++;
    return 'duplicate';
  }

  private expireChain(): void {
    while (this.chainGaps.length > 0 && this.messages - this.chainGaps[0]!.openedAt > this.window) {
      this.chainGaps.shift();
      this.lost++;
    }
  }

  /**
   * Ends the subscription: every gap still open is lost. `lastId` (loadgate's unsubscribe ack `lastSeq`: the last
   * seq the server sent or dropped) turns a trailing gap into loss too; other exchanges have no such thing, so their
   * trailing gaps are invisible.
   */
  finish(lastId?: number): SequenceSummary {
    if (this.rule.type === 'prevSeqId') {
      this.lost += this.chainGaps.length;
      this.chainGaps = [];
      return this.summary();
    }
    if (lastId !== undefined && this.started && lastId > this.hi) {
      this.gaps++;
      this.lost += lastId - this.hi;
      this.hi = lastId;
    }
    for (const [a, b] of this.missing) this.lost += b - a + 1;
    this.missing = [];
    return this.summary();
  }

  summary(): SequenceSummary {
    const tracked = this.rule.type !== 'none';
    const chain = this.rule.type === 'prevSeqId';
    let expected: number;
    if (!tracked) expected = 0;
    else if (chain) expected = this.received + this.lost + this.chainGaps.length;
    else expected = this.closedExpected + (this.started && this.hi >= this.segFirst ? this.hi - this.segFirst + 1 : 0);
    return {
      tracked,
      expected,
      received: this.received,
      lost: this.lost,
      lossExact: !chain,
      messages: this.messages,
      duplicates: this.duplicates,
      reordered: this.reordered,
      resyncs: this.resyncs,
      gaps: this.gaps,
    };
  }
}
