import { describe, expect, it } from 'vitest';
import type { Progress } from '../../src/engines/types.js';
import { createProgress } from '../../src/report/progress.js';

function harness(tty: boolean) {
  const writes: string[] = [];
  let t = 0;
  const p = createProgress({ tty, write: (s) => writes.push(s), now: () => t, width: 200 });
  return { p, writes, advance: (ms: number) => (t += ms) };
}

const prog = (workload: string, elapsedSec: number, requests: number, errors = 0): Progress => ({ workload, elapsedSec, totalSec: 60, requests, errors });

describe('createProgress', () => {
  it('counts stream workloads in messages, not requests', () => {
    const tty = harness(true);
    tty.p.update({ ...prog('streams', 10, 25_000), unit: 'messages' });
    expect(tty.writes[0]).toMatch(/25,000 msg/);
    const plain = harness(false);
    plain.p.update({ ...prog('streams', 10, 25_000), unit: 'messages' });
    expect(plain.writes[0]).toMatch(/25,000 messages/);
  });

  it('redraws one line on a TTY with a bar per workload', () => {
    const { p, writes, advance } = harness(true);
    p.update(prog('reads', 15, 1500));
    advance(200);
    p.update(prog('orders', 30, 300, 3));
    expect(writes).toHaveLength(2);
    for (const w of writes) {
      expect(w.startsWith('\r\u001b[2K')).toBe(true);
      expect(w).not.toContain('\n');
    }
    expect(writes[1]).toMatch(/reads [█░]+ 25% 15\/60s 1,500 req/);
    expect(writes[1]).toMatch(/orders [█░]+ 50% 30\/60s 300 req 10\.00\/s 3 err \(1\.00%\)/);
    p.done();
    expect(writes[writes.length - 1]).toBe('\n');
  });

  it('does not redraw a TTY line more often than every 100 ms, but draws the latest state when done', () => {
    const { p, writes, advance } = harness(true);
    p.update(prog('reads', 1, 10));
    for (let i = 2; i <= 20; i++) {
      advance(10);
      p.update(prog('reads', i, i * 10));
    }
    expect(writes).toHaveLength(2); // t=0 and t=100
    p.done();
    expect(writes[writes.length - 2]).toContain('200 req');
  });

  it('prints a plain line at most every 5 s when not a TTY', () => {
    const { p, writes, advance } = harness(false);
    for (let s = 0; s <= 12; s++) {
      p.update(prog('reads', s, s * 100));
      advance(1000);
    }
    expect(writes).toHaveLength(3); // t=0, 5, 10 s
    for (const w of writes) {
      expect(w).not.toContain('\r');
      expect(w).not.toContain('\u001b');
      expect(w.endsWith('\n')).toBe(true);
    }
    expect(writes[1]).toBe('[loadgate] reads: 8% (5/60 s), 500 requests 100/s\n');
    p.done();
    expect(writes).toHaveLength(4);
    expect(writes[3]).toContain('1,200 requests');
  });

  it('ignores updates after done and is safe to finish twice', () => {
    const { p, writes } = harness(false);
    p.update(prog('reads', 1, 1));
    p.done();
    const n = writes.length;
    p.update(prog('reads', 2, 2));
    p.done();
    expect(writes).toHaveLength(n);
  });

  it('writes nothing when there was no progress', () => {
    const { p, writes } = harness(true);
    p.done();
    expect(writes).toEqual([]);
  });

  it('shows req/s, errors and p99 so far', () => {
    const { p, writes } = harness(true);
    p.update({ ...prog('rest-mix', 10, 4000, 40), p99Ms: 21.37 });
    expect(writes[0]).toMatch(/rest-mix .* 4,000 req 400\/s 40 err \(1\.00%\) p99 21\.37 ms/);
  });

  it('fits an 80-column terminal (the default) with several workloads, so it never wraps into stale lines', () => {
    const writes: string[] = [];
    let t = 0;
    const p = createProgress({ tty: true, write: (x) => writes.push(x), now: () => t });
    for (let s2 = 1; s2 <= 20; s2++) {
      t += 1000;
      p.update({ ...prog('market-streams', s2, s2 * 5000), unit: 'messages' });
      p.update({ ...prog('rest-mix', s2, s2 * 400, s2), p99Ms: 20 + s2 });
      p.update({ ...prog('order-flow', s2, s2 * 100), p99Ms: 250.5 });
    }
    p.done();
    expect(writes.pop()).toBe('\n');
    for (const w of writes) {
      const line = w.replace('\r\u001b[2K', '');
      expect([...line].length, line).toBeLessThan(80);
      expect(line).not.toContain('\n');
    }
    const last = writes[writes.length - 1]!;
    expect(last).toMatch(/rest-mix \d+% 400\/s 20 err p99 40\.00 ms/);
    const narrow: string[] = [];
    const q = createProgress({ tty: true, write: (x) => narrow.push(x), now: () => 0, width: 40 });
    q.update({ ...prog('rest-mix', 10, 4000, 40), p99Ms: 21.37 });
    expect([...narrow[0]!.replace('\r\u001b[2K', '')].length).toBeLessThan(40);
  });
});
