/**
 * The floor for an open-model generator in Node on this machine: a bare keep-alive GET loop on node:net, driven by
 * one timer per arrival (as the engine's arrival loop is), with nothing recorded. What it costs per request is what
 * Node's event loop, the timers and the socket syscalls cost, before any engine work. Prints one JSON line:
 *   node --import tsx bench/_node-floor.ts '<json {url, ratePerSec, durationSec}>'
 * steadyCpuUsPerReq: process CPU (all threads) per response, from the end of the first second to the end.
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';

const args = JSON.parse(process.argv[2]!) as { url: string; ratePerSec: number; durationSec: number };
const url = new URL(args.url);
const port = Number(url.port);
const request = `GET /api/v1/ticker?symbol=BTC-USDT HTTP/1.1\r\nhost: ${url.host}\r\n\r\n`;
const gapMs = 1000 / args.ratePerSec;
const idle: net.Socket[] = [];
let answered = 0;
let sent = 0;

function connect(): net.Socket {
  const s = net.connect(port, url.hostname);
  s.setNoDelay(true);
  // nginx answers the ticker in one segment: its head's end is the response's end for this fixed body.
  s.on('data', (b: Buffer) => {
    if (b.indexOf('\r\n\r\n') >= 0) {
      answered++;
      idle.push(s);
    }
  });
  return s;
}

const t0 = performance.now();
let mark: { cpu: NodeJS.CpuUsage; answered: number } | undefined;
await new Promise<void>((resolve) => {
  const tick = (): void => {
    const now = performance.now();
    while (t0 + sent * gapMs <= now) {
      (idle.pop() ?? connect()).write(request);
      sent++;
    }
    if (mark === undefined && now - t0 >= 1000) mark = { cpu: process.cpuUsage(), answered };
    if (now - t0 >= args.durationSec * 1000) return resolve();
    setTimeout(tick, Math.max(1, Math.round(t0 + sent * gapMs - performance.now())));
  };
  tick();
});
const cpu = process.cpuUsage(mark!.cpu);
process.stdout.write(`${JSON.stringify({ steadyCpuUsPerReq: (cpu.user + cpu.system) / Math.max(1, answered - mark!.answered), sent, answered })}\n`);
process.exit(0);
