/**
 * Loss, duplicate and reorder accounting for one subscription's `seq` numbers (issue #4). Pure and O(1) per message;
 * memory is bounded by `windowSize` so a long run with many gaps stays flat.
 *
 * - a seq above the highest seen opens a gap for every seq skipped: they are *missing*;
 * - a missing seq that arrives later is *reordered* (received, not lost);
 * - a seq seen before is a *duplicate*;
 * - a missing seq more than `windowSize` below the highest seen is given up on and counted *lost*; the rest of the
 *   missing ones are lost when the subscription ends. (So a message later than `windowSize` seqs counts as a
 *   duplicate, not as reordered: beyond the window the two can't be told apart without unbounded memory.)
 */
export type SeqOutcome = 'new' | 'reordered' | 'duplicate';

export interface SeqSummary {
  /** Messages the seq numbering says were sent: the highest seq (or the server's `lastSeq`). */
  expected: number;
  /** Distinct messages received. */
  received: number;
  lost: number;
  duplicates: number;
  reordered: number;
}

export const DEFAULT_SEQ_WINDOW = 4096;

export class SeqTracker {
  /** Highest seq seen. Seqs start at 1. */
  private hi = 0;
  /** Missing seqs in ascending (insertion) order, all within the window below `hi`. */
  private readonly missing = new Set<number>();
  private received = 0;
  private lost = 0;
  private duplicates = 0;
  private reordered = 0;

  constructor(private readonly windowSize = DEFAULT_SEQ_WINDOW) {}

  get highest(): number {
    return this.hi;
  }

  observe(seq: number): SeqOutcome {
    if (seq > this.hi) {
      const first = this.hi + 1;
      // A gap wider than the window: the oldest part of it is lost right away.
      const keepFrom = Math.max(first, seq - this.windowSize);
      this.lost += keepFrom - first;
      for (let s = keepFrom; s < seq; s++) this.missing.add(s);
      this.hi = seq;
      this.received++;
      this.evict();
      return 'new';
    }
    if (this.missing.delete(seq)) {
      this.received++;
      this.reordered++;
      return 'reordered';
    }
    this.duplicates++;
    return 'duplicate';
  }

  private evict(): void {
    if (this.missing.size === 0) return;
    const floor = this.hi - this.windowSize;
    for (const s of this.missing) {
      if (s >= floor) break;
      this.missing.delete(s);
      this.lost++;
    }
  }

  /**
   * Ends the subscription. `lastSeq` (the server's last seq, from an unsubscribe ack) turns a trailing gap into loss;
   * without it, only gaps below the highest seq received count.
   */
  finish(lastSeq?: number): SeqSummary {
    if (lastSeq !== undefined && lastSeq > this.hi) {
      this.lost += lastSeq - this.hi;
      this.hi = lastSeq;
    }
    this.lost += this.missing.size;
    this.missing.clear();
    return this.summary();
  }

  summary(): SeqSummary {
    return { expected: this.hi, received: this.received, lost: this.lost, duplicates: this.duplicates, reordered: this.reordered };
  }
}
