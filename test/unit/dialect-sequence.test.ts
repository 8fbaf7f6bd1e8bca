import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lossPct, SequenceTracker, type SequenceSummary } from '../../src/dialect/sequence.js';

/** Messages 1..n with `dropped` never sent, `dups` sent twice, and adjacent pairs swapped at `swaps` positions. */
const delivery = fc
  .record({
    n: fc.integer({ min: 1, max: 300 }),
    dropBits: fc.array(fc.boolean(), { minLength: 300, maxLength: 300 }),
    dupBits: fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 300, maxLength: 300 }),
    swapBits: fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 300, maxLength: 300 }),
  })
  .map(({ n, dropBits, dupBits, swapBits }) => {
    const dropped: number[] = [];
    let dups = 0;
    const sent: number[] = [];
    for (let i = 1; i <= n; i++) {
      if (dropBits[i - 1] && i % 3 === 0) {
        dropped.push(i);
        continue;
      }
      sent.push(i);
      if (dupBits[i - 1] === 0) {
        sent.push(i);
        dups++;
      }
    }
    for (let k = 0; k + 1 < sent.length; k += 2) if (swapBits[k] === 0) [sent[k], sent[k + 1]] = [sent[k + 1]!, sent[k]!];
    return { n, dropped, dups, sent };
  });

const invariant = (s: SequenceSummary) => expect(s.expected).toBe(s.received + s.lost);

describe('per-subscription seq (loadgate)', () => {
  it('loss counted equals the number of messages never sent, for random drops, duplicates and swaps', () => {
    fc.assert(
      fc.property(delivery, ({ n, dropped, dups, sent }) => {
        const t = new SequenceTracker({ type: 'perSubscription', startsAt: 1 });
        for (const seq of sent) t.observe({ kind: 'range', first: seq, last: seq });
        const s = t.finish(n); // the unsubscribe ack's lastSeq
        expect(s.lost).toBe(dropped.length);
        expect(s.received).toBe(n - dropped.length);
        expect(s.expected).toBe(n);
        expect(s.duplicates).toBe(dups);
        expect(s.resyncs).toBe(0);
        invariant(s);
      }),
      { numRuns: 300 },
    );
  });

  it('counts seqs missing before the first message (the k6 scenarios use this tracker too: scenarios/lib/gaps.ts, which did not, is gone)', () => {
    const mine = new SequenceTracker({ type: 'perSubscription', startsAt: 1 });
    for (const seq of [5, 6, 7]) mine.observe({ kind: 'range', first: seq, last: seq });
    expect(mine.finish().lost).toBe(4);
  });

  it('a gap of a billion ids is one interval: the part beyond the window is lost at once, the rest when it ends', () => {
    const t = new SequenceTracker({ type: 'perSubscription', startsAt: 1 }, { window: 100 });
    t.observe({ kind: 'range', first: 1, last: 1 });
    t.observe({ kind: 'range', first: 1_000_000_000, last: 1_000_000_000 });
    expect(t.summary().lost).toBe(1_000_000_000 - 2 - 100);
    expect(t.finish().lost).toBe(1_000_000_000 - 2);
  });
});

/** The cases of the ws engine's former tracker (src/engines/ws/seq-tracker.ts, replaced by this one). */
describe('per-subscription seq: what the ws engine counts', () => {
  const perSub = { type: 'perSubscription', startsAt: 1 } as const;
  function feed(seqs: number[], lastSeq?: number, window?: number) {
    const t = new SequenceTracker(perSub, window !== undefined ? { window } : {});
    const outcomes = seqs.map((s) => t.observe({ kind: 'range', first: s, last: s }));
    const s = t.finish(lastSeq);
    return { outcomes, summary: { expected: s.expected, received: s.received, lost: s.lost, duplicates: s.duplicates, reordered: s.reordered } };
  }

  it('counts nothing lost when every seq arrives in order', () => {
    expect(feed([1, 2, 3, 4]).summary).toEqual({ expected: 4, received: 4, lost: 0, duplicates: 0, reordered: 0 });
  });

  it('counts a gap never filled as loss, and seqs missing before the first message (seqs start at 1)', () => {
    expect(feed([1, 2, 5, 6]).summary).toMatchObject({ expected: 6, received: 4, lost: 2 });
    expect(feed([3, 4]).summary).toMatchObject({ expected: 4, lost: 2 });
  });

  it('counts a late arrival as reordered, a repeat as a duplicate, never as loss', () => {
    const late = feed([1, 3, 2, 4]);
    expect(late.outcomes).toEqual(['new', 'new', 'reordered', 'new']);
    expect(late.summary).toMatchObject({ lost: 0, reordered: 1, duplicates: 0, received: 4 });
    const twice = feed([1, 2, 2, 3, 1]);
    expect(twice.outcomes).toEqual(['new', 'new', 'duplicate', 'new', 'duplicate']);
    expect(twice.summary).toMatchObject({ lost: 0, reordered: 0, duplicates: 2, received: 3 });
    expect(feed([1, 3, 2, 2]).summary).toMatchObject({ reordered: 1, duplicates: 1, lost: 0 });
  });

  it('turns a trailing gap into loss when the server reports its last seq (the unsubscribe ack)', () => {
    expect(feed([1, 2, 3], 6).summary).toMatchObject({ expected: 6, lost: 3 });
    expect(feed([1, 2, 3], 2).summary).toMatchObject({ expected: 3, lost: 0 });
  });

  it('gives up on seqs older than the window and counts them lost; a later one is a duplicate', () => {
    const t = new SequenceTracker(perSub, { window: 8 });
    t.observe({ kind: 'range', first: 1, last: 1 });
    t.observe({ kind: 'range', first: 100, last: 100 }); // 2..99 missing; only the last 8 are kept
    expect(t.summary().lost).toBe(99 - 2 + 1 - 8);
    expect(t.observe({ kind: 'range', first: 95, last: 95 })).toBe('reordered');
    expect(t.observe({ kind: 'range', first: 50, last: 50 })).toBe('duplicate'); // beyond the window: indistinguishable
    expect(t.finish()).toMatchObject({ expected: 100, lost: 97, reordered: 1 });
  });

  it('agrees with a direct count of lost, duplicated and reordered seqs on any delivery (property)', () => {
    fc.assert(
      fc.property(delivery, ({ n, sent }) => {
        const distinct = new Set(sent);
        let reordered = 0;
        let hi = 0;
        const seen = new Set<number>();
        for (const s of sent) {
          if (!seen.has(s) && s < hi) reordered++;
          seen.add(s);
          hi = Math.max(hi, s);
        }
        expect(feed(sent, n).summary).toEqual({ expected: n, received: distinct.size, lost: n - distinct.size, duplicates: sent.length - distinct.size, reordered });
      }),
      { numRuns: 300 },
    );
  });
});

describe('update-id ranges (Binance spot depth: next U = previous u + 1)', () => {
  it('loss counted equals the update ids of the events never received', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ size: fc.integer({ min: 1, max: 20 }), drop: fc.boolean() }), { minLength: 2, maxLength: 200 }), fc.integer({ min: 1, max: 1e9 }), (events, start) => {
        const t = new SequenceTracker({ type: 'updateIdRange' });
        let U = start;
        let lostIds = 0;
        let runs = 0;
        let inRun = false;
        events.forEach((e, i) => {
          const u = U + e.size - 1;
          // The first and last always arrive (a trailing gap is invisible without an end marker).
          if (e.drop && i > 0 && i < events.length - 1) {
            lostIds += e.size;
            if (!inRun) runs++;
            inRun = true;
          } else {
            t.observe({ kind: 'range', first: U, last: u });
            inRun = false;
          }
          U = u + 1;
        });
        const s = t.finish();
        expect(s.lost).toBe(lostIds);
        expect(s.gaps).toBe(runs);
        expect(s.expected).toBe(U - start);
        invariant(s);
      }),
      { numRuns: 300 },
    );
  });

  it('a range that arrives late fills its gap (reordered, not lost); a repeat is a duplicate', () => {
    const t = new SequenceTracker({ type: 'updateIdRange' });
    t.observe({ kind: 'range', first: 157, last: 160 });
    t.observe({ kind: 'range', first: 164, last: 170 });
    t.observe({ kind: 'range', first: 161, last: 163 });
    t.observe({ kind: 'range', first: 164, last: 170 });
    const s = t.finish();
    expect(s).toMatchObject({ lost: 0, reordered: 1, duplicates: 1, received: 14, expected: 14, gaps: 1 });
  });
});

describe('prevSeqId chain (OKX books)', () => {
  it('counts each broken link once (a lower bound), whatever the id steps, and says so', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ step: fc.integer({ min: 1, max: 100 }), drop: fc.boolean() }), { minLength: 2, maxLength: 200 }), (msgs) => {
        const t = new SequenceTracker({ type: 'prevSeqId' });
        let prev = -1;
        let id = 1000;
        let runs = 0;
        let dropped = 0;
        let inRun = false;
        msgs.forEach((m, i) => {
          if (m.drop && i > 0 && i < msgs.length - 1) {
            dropped++;
            if (!inRun) runs++;
            inRun = true;
          } else {
            t.observe({ kind: 'chain', prev, id });
            inRun = false;
          }
          prev = id;
          id += m.step;
        });
        const s = t.finish();
        expect(s.lost).toBe(runs);
        expect(s.lost).toBeLessThanOrEqual(dropped);
        expect(s.received).toBe(msgs.length - dropped);
        expect(s.lossExact).toBe(false);
        invariant(s);
      }),
      { numRuns: 300 },
    );
  });

  it('a swapped pair is reordered, not lost; keep-alives (seqId = prevSeqId) and resets (seqId < prevSeqId) are not loss', () => {
    const t = new SequenceTracker({ type: 'prevSeqId' });
    expect(t.observe({ kind: 'chain', prev: -1, id: 10 })).toBe('new');
    expect(t.observe({ kind: 'chain', prev: 17, id: 25 })).toBe('new'); // arrives before 10→17
    expect(t.observe({ kind: 'chain', prev: 10, id: 17 })).toBe('reordered');
    expect(t.observe({ kind: 'chain', prev: 25, id: 25 })).toBe('keepalive');
    expect(t.observe({ kind: 'chain', prev: 10, id: 17 })).toBe('duplicate');
    expect(t.observe({ kind: 'chain', prev: 900, id: 3 })).toBe('resync'); // sequence reset after maintenance
    expect(t.observe({ kind: 'chain', prev: 3, id: 8 })).toBe('new');
    expect(t.observe({ kind: 'chain', prev: -1, id: 50 })).toBe('resync'); // a new snapshot
    const s = t.finish();
    expect(s).toMatchObject({ lost: 0, reordered: 1, duplicates: 1, resyncs: 2, received: 6, gaps: 1 });
  });
});

describe('update id with snapshots (Bybit orderbook: u + 1, a snapshot or u = 1 resyncs)', () => {
  it('counts missing deltas between received ones, and resyncs apart from loss', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ jump: fc.integer({ min: 0, max: 1e6 }), restart: fc.boolean(), deltas: fc.array(fc.boolean(), { maxLength: 40 }) }), { minLength: 1, maxLength: 10 }),
        (segments) => {
          const t = new SequenceTracker({ type: 'updateId' });
          let u = 100;
          let hi = 0;
          let lost = 0;
          let resyncs = 0;
          segments.forEach((seg, si) => {
            // Each segment opens with a snapshot: at a jump, or u = 1 after a service restart.
            u = si > 0 && seg.restart ? 1 : u + seg.jump + 1;
            // (A snapshot repeating the last u received is a keep-alive, not a resync.)
            if (si > 0 && u !== hi) resyncs++;
            t.observe({ kind: 'range', first: u, last: u, snapshot: true });
            hi = u;
            const lastKept = seg.deltas.lastIndexOf(false);
            seg.deltas.forEach((drop, di) => {
              u++;
              if (drop) {
                // Only a delta received later in the same segment reveals the drop.
                if (di < lastKept) lost++;
              } else {
                t.observe({ kind: 'range', first: u, last: u });
                hi = u;
              }
            });
          });
          const s = t.finish();
          expect(s.lost).toBe(lost);
          expect(s.resyncs).toBe(resyncs);
          invariant(s);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a repeated depth-1 snapshot at the same u is a keep-alive', () => {
    const t = new SequenceTracker({ type: 'updateId' });
    t.observe({ kind: 'range', first: 7, last: 7, snapshot: true });
    t.observe({ kind: 'range', first: 8, last: 8 });
    expect(t.observe({ kind: 'range', first: 8, last: 8, snapshot: true })).toBe('keepalive');
    expect(t.observe({ kind: 'range', first: 1, last: 1, snapshot: true })).toBe('resync');
    expect(t.finish()).toMatchObject({ lost: 0, resyncs: 1, received: 3, duplicates: 0 });
  });
});

describe('no sequence', () => {
  it('makes lossPct no-data (null), never 0', () => {
    const t = new SequenceTracker({ type: 'none' });
    for (let i = 0; i < 10; i++) expect(t.observe(undefined)).toBe('untracked');
    const s = t.finish();
    expect(s.tracked).toBe(false);
    expect(lossPct(s)).toBeNull();
    // A tracked stream that received nothing is no-data too; one with loss is a percentage.
    expect(lossPct(new SequenceTracker({ type: 'updateIdRange' }).finish())).toBeNull();
    const t2 = new SequenceTracker({ type: 'perSubscription', startsAt: 1 });
    t2.observe({ kind: 'range', first: 4, last: 4 });
    expect(lossPct(t2.finish())).toBe(75);
  });
});
