/**
 * One load generator in its own process (so it can be pinned to a core), measuring its own CPU in the
 * steady state (from the 2nd second to the end: start-up, module loading and setup are excluded):
 *   node --import tsx bench/_gen-child.ts <engine|closed|bare> <url> <connections> <durationSec>
 *   (engine: loadgate's autocannon engine; closed: loadgate's closed engine on its own client; bare: the autocannon API alone)
 * Prints one JSON line: { requests, cpuUs, sec }.
 */
import autocannon from 'autocannon';
import { performance } from 'node:perf_hooks';
import { autocannonEngine } from '../src/engines/autocannon.js';
import { closedEngine } from '../src/engines/closed.js';
import { parseSuite } from '../src/suite/load.js';

const [mode, url, conns, dur] = process.argv.slice(2);
const connections = Number(conns);
const durationSec = Number(dur);
const marks: Array<{ t: number; requests: number; cpuUs: number }> = [];
const mark = (requests: number) => {
  const c = process.cpuUsage();
  marks.push({ t: performance.now(), requests, cpuUs: c.user + c.system });
};
if (mode === 'engine' || mode === 'closed') {
  const suite = parseSuite('bench.yaml', {
    target: { url },
    workloads: [{ name: 'bench', load: { model: 'closed', connections, durationSec }, mix: [{ endpoint: 'fetchTicker' }], symbols: ['BTC-USDT'] }],
  });
  const now = () => performance.now();
  await (mode === 'engine' ? autocannonEngine : closedEngine).run({
    suite,
    workload: suite.workloads[0]!,
    target: { baseUrl: url!, wsUrl: '', credentials: undefined, timeoutMs: 10_000, dialect: 'loadgate', mock: false },
    originMs: now(),
    now,
    signal: new AbortController().signal,
    progress: (p) => mark(p.requests),
    seed: 1,
  });
} else {
  // What the autocannon CLI runs: one static request, its own whole-ms histogram.
  let total = 0;
  const inst = autocannon({ url: `${url}/api/v1/ticker?symbol=BTC-USDT`, connections, duration: durationSec }, () => {});
  (inst as unknown as import('node:events').EventEmitter).on('tick', ({ counter }: { counter: number }) => {
    total += counter;
    mark(total);
  });
  await new Promise((r) => (inst as unknown as import('node:events').EventEmitter).on('done', r));
}
// Steady state: from the first mark after 1 s to the last full-second mark.
const first = marks[1] ?? marks[0]!;
const last = marks[marks.length - 2] ?? marks[marks.length - 1]!;
process.stdout.write(`${JSON.stringify({ requests: last.requests - first.requests, cpuUs: last.cpuUs - first.cpuUs, sec: (last.t - first.t) / 1000 })}\n`);
