import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SeqTracker } from '../../src/engines/ws/seq-tracker.js';

function feed(seqs: number[], lastSeq?: number, window?: number) {
  const t = new SeqTracker(window);
  const outcomes = seqs.map((s) => t.observe(s));
  return { outcomes, summary: t.finish(lastSeq) };
}

describe('SeqTracker', () => {
  it('counts nothing lost when every seq arrives in order', () => {
    expect(feed([1, 2, 3, 4]).summary).toEqual({ expected: 4, received: 4, lost: 0, duplicates: 0, reordered: 0 });
  });

  it('counts a gap never filled as loss', () => {
    expect(feed([1, 2, 5, 6]).summary).toMatchObject({ expected: 6, received: 4, lost: 2 });
  });

  it('counts a missing first seq as loss because seqs start at 1', () => {
    expect(feed([3, 4]).summary).toMatchObject({ expected: 4, lost: 2 });
  });

  it('counts a late arrival as reordered, not lost', () => {
    const { outcomes, summary } = feed([1, 3, 2, 4]);
    expect(outcomes).toEqual(['new', 'new', 'reordered', 'new']);
    expect(summary).toMatchObject({ lost: 0, reordered: 1, duplicates: 0, received: 4 });
  });

  it('counts a seq seen twice as a duplicate, not as loss or reordering', () => {
    const { outcomes, summary } = feed([1, 2, 2, 3, 1]);
    expect(outcomes).toEqual(['new', 'new', 'duplicate', 'new', 'duplicate']);
    expect(summary).toMatchObject({ lost: 0, reordered: 0, duplicates: 2, received: 3 });
  });

  it('counts a reordered seq that arrives again as a duplicate', () => {
    expect(feed([1, 3, 2, 2]).summary).toMatchObject({ reordered: 1, duplicates: 1, lost: 0 });
  });

  it('turns a trailing gap into loss when the server reports its last seq', () => {
    expect(feed([1, 2, 3], 6).summary).toMatchObject({ expected: 6, lost: 3 });
    expect(feed([1, 2, 3], 2).summary).toMatchObject({ expected: 3, lost: 0 });
  });

  it('gives up on seqs older than the window and counts them lost, keeping memory bounded', () => {
    const t = new SeqTracker(8);
    t.observe(1);
    t.observe(100); // 2..99 missing; only the last 8 are kept
    expect(t.summary().lost).toBe(99 - 2 + 1 - 8);
    expect(t.observe(95)).toBe('reordered');
    expect(t.observe(50)).toBe('duplicate'); // beyond the window: indistinguishable, not reordered
    expect(t.finish()).toMatchObject({ expected: 100, lost: 97, reordered: 1 });
  });

  it('agrees with a direct count on any delivery order with drops and duplicates (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200 }),
        fc.array(fc.tuple(fc.nat(), fc.boolean(), fc.boolean()), { maxLength: 200 }),
        fc.integer({ min: 0, max: 5 }),
        (n, plan, swapEvery) => {
          // Build a delivery: each seq 1..n kept or dropped, sometimes duplicated, with local swaps.
          const sent: number[] = [];
          for (let s = 1; s <= n; s++) {
            const [, drop, dup] = plan[s % Math.max(1, plan.length)] ?? [0, false, false];
            if (drop && s !== n) continue;
            sent.push(s);
            if (dup) sent.push(s);
          }
          if (swapEvery > 0) for (let i = swapEvery; i < sent.length; i += swapEvery + 1) [sent[i - 1], sent[i]] = [sent[i]!, sent[i - 1]!];
          const distinct = new Set(sent);
          let reordered = 0;
          let hi = 0;
          const seen = new Set<number>();
          for (const s of sent) {
            if (!seen.has(s) && s < hi) reordered++;
            seen.add(s);
            hi = Math.max(hi, s);
          }
          const { summary } = feed(sent, n);
          expect(summary).toEqual({ expected: n, received: distinct.size, lost: n - distinct.size, duplicates: sent.length - distinct.size, reordered });
        },
      ),
    );
  });
});
