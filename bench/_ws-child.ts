/**
 * Child processes for bench/ws.ts (so each can be pinned to its own core):
 *   node --import tsx bench/_ws-child.ts mock <ratePerSec>
 *       stream mock on port 0; prints `READY <wsUrl>`, then one JSON stats line per "stats" line on stdin; exits on stdin end.
 *   node --import tsx bench/_ws-child.ts runner <wsUrl> <connections> <maxDurationSec>
 *       the ws engine, one trades subscription per connection; prints `P <elapsedSec> <messages> <cpuUs>` each second,
 *       stops on SIGTERM, then prints `R <json>` with counters and the per-second latency histograms.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { attachStreams } from '../mocks/streams.js';
import { wsEngine } from '../src/engines/ws.js';
import { suiteSchema } from '../src/suite/schema.js';

const [mode, ...args] = process.argv.slice(2);

if (mode === 'mock') {
  const ratePerSec = Number(args[0]);
  const server = http.createServer((_q, r) => r.writeHead(404).end());
  const streams = attachStreams(server, { ratePerSec: { trades: ratePerSec } });
  // A deep accept backlog: 1000 connects in a second must not overflow it into SYN retransmits (1 s, 3 s …).
  await new Promise<void>((resolve) => server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
  process.stdout.write(`READY ws://127.0.0.1:${port}/ws\n`);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const rl = createInterface({ input: process.stdin });
  rl.on('line', (line) => {
    if (line.trim() !== 'stats') return;
    const cpu = process.cpuUsage(cpu0);
    const cpuPct = ((cpu.user + cpu.system) / 1000 / (performance.now() - t0)) * 100;
    process.stdout.write(`${JSON.stringify({ ...streams.stats, cpuPct })}\n`);
  });
  rl.on('close', () => {
    void streams.close().then(() => {
      server.closeAllConnections();
      server.close(() => process.exit(0));
    });
  });
} else if (mode === 'runner') {
  const [wsUrl, conns, dur] = args;
  const connections = Number(conns);
  const durationSec = Number(dur);
  const baseUrl = wsUrl!.replace(/^ws/, 'http').replace(/\/ws$/, '');
  const suite = suiteSchema.parse({
    target: { url: baseUrl },
    workloads: [{ name: 'bench', load: { model: 'stream', connections, connectRatePerSec: 1000, durationSec }, streams: [{ channel: 'trades' }], symbols: ['BTC-USDT'] }],
  });
  const now = () => performance.now();
  const cpu0 = process.cpuUsage();
  const stop = new AbortController();
  // The parent ends the run (SIGTERM) once it has measured a steady window.
  process.on('SIGTERM', () => stop.abort());
  const progress = (p: { elapsedSec: number; requests: number }): void => {
    const c = process.cpuUsage(cpu0);
    process.stdout.write(`P ${p.elapsedSec.toFixed(3)} ${p.requests} ${c.user + c.system}\n`);
  };
  const out = await wsEngine.run({
    suite,
    workload: suite.workloads[0]!,
    target: { baseUrl, wsUrl: wsUrl!, credentials: undefined, timeoutMs: 10_000, dialect: 'loadgate', mock: false },
    originMs: now(),
    now,
    signal: stop.signal,
    progress,
    seed: 1,
  });
  const ep = out.endpoints['ws:trades']!;
  process.stdout.write(
    `R ${JSON.stringify({
      connectionsOpened: ep.stream!.connectionsOpened,
      connectFailures: ep.stream!.connectFailures,
      disconnects: ep.stream!.disconnects,
      messages: ep.requests,
      lost: ep.stream!.lost,
      series: ep.series.map((p) => ({ tSec: p.tSec, requests: p.requests, latency: p.latency })),
      generator: out.generator,
    })}\n`,
  );
  process.exit(0);
} else {
  process.stderr.write('usage: _ws-child.ts mock <ratePerSec> | runner <wsUrl> <connections> <durationSec>\n');
  process.exit(2);
}
