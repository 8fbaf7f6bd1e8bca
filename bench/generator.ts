/**
 * Is the generator the bottleneck? (issue #17). Every goal side by side in one run, each with its ratio and
 * MET / NOT MET, against a target faster than any generator: nginx (bench/_nginx.ts) serving the mock's JSON, one
 * worker process pinned to core 1. Generators run in their own processes; "one core" means pinned to core 0.
 * Every tool is timed the same way: its steady state (after its first second, from its own progress marks) and its
 * whole process (start-up included) where that differs.
 *
 * The mock-based benches (autocannon, open-model, ws, sdk) measure end to end, target included; this one measures
 * the generator. The WebSocket floor has no nginx equivalent: its target is the stream mock (bench/ws.ts).
 */
import { spawn } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { has } from './_tools.js';
import { startNginx, type Nginx } from './_nginx.js';
import { step as wsStep, CONNECTIONS as WS_CONNECTIONS } from './ws.js';
import { DEFAULT_TRANSPORT, type TransportName } from '../src/engines/open/transport.js';

const here = dirname(fileURLToPath(import.meta.url));
const CLOSED_CONNECTIONS = 50;
const CLOSED_SEC = 6;
const ROUNDS = 2;
/** The open engine's steady CPU per request at 1000/s before issue 17's work (main c73d9e1, bench/_open-child.ts pinned to one core on this machine kind, 3 runs). */
const OPEN_1000_BEFORE_US = { lo: 147, hi: 169 };

function exec(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    c.stderr.on('data', (d: Buffer) => (err += d.toString()));
    c.on('error', reject);
    c.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.slice(0, 4).join(' ')} exited ${code}: ${err.slice(-400)}`))));
  });
}
const pinned = (core: number | undefined, argv: string[]): [string, string[]] =>
  core !== undefined && has('taskset') ? ['taskset', ['-c', String(core), ...argv]] : [argv[0]!, argv.slice(1)];
const lastJson = <T>(out: string): T => JSON.parse(out.trim().split('\n').pop()!) as T;

interface Closed {
  ratePerSec: number;
  cpuUsPerReq: number;
}
async function closed(mode: 'engine' | 'closed' | 'bare', url: string): Promise<Closed> {
  const [cmd, args] = pinned(0, [process.execPath, '--import', 'tsx', join(here, '_gen-child.ts'), mode, url, String(CLOSED_CONNECTIONS), String(CLOSED_SEC)]);
  const o = lastJson<{ requests: number; cpuUs: number; sec: number }>(await exec(cmd, args));
  return { ratePerSec: o.requests / o.sec, cpuUsPerReq: o.cpuUs / o.requests };
}

async function wrk(url: string): Promise<Closed | undefined> {
  if (!has('wrk')) return undefined;
  const [cmd, args] = pinned(0, ['wrk', '-t1', `-c${CLOSED_CONNECTIONS}`, `-d${CLOSED_SEC}s`, `${url}/api/v1/ticker?symbol=BTC-USDT`]);
  // bash's `times` prints the children's user and system CPU after wrk exits.
  const out = await exec('bash', ['-c', `${[cmd, ...args].map((a) => `'${a}'`).join(' ')}; times`]);
  const rps = Number(/Requests\/sec:\s*([\d.]+)/.exec(out)?.[1]);
  const t = [...out.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  return { ratePerSec: rps, cpuUsPerReq: (((t[2] ?? 0) + (t[3] ?? 0)) * 1e6) / (rps * CLOSED_SEC) };
}

interface Open {
  steadyCpuUsPerReq: number;
  wholeCpuUsPerReq: number;
  firstSecP99Ms: number;
  steadyP99Ms: number;
  slipP99Ms: number;
  sent: number;
  late: number;
  dropped: number;
  requests: number;
  reportedRatePerSec: number;
  saturated: boolean;
}
async function open(url: string, ratePerSec: number, durationSec: number, workers: number, core: number | undefined, transport?: TransportName): Promise<Open> {
  const spec = JSON.stringify({ url, ratePerSec, durationSec, workers, endpoint: 'fetchTicker', maxConnections: 1024, ...(transport ? { transport } : {}) });
  const [cmd, args] = pinned(core, [process.execPath, '--import', 'tsx', join(here, '_open-child.ts'), spec]);
  return lastJson<Open>(await exec(cmd, args));
}

/** A bare node:net loop, one timer per arrival, nothing recorded (bench/_node-floor.ts): what Node itself costs. */
async function nodeFloor(url: string, ratePerSec: number, durationSec: number): Promise<number> {
  const [cmd, args] = pinned(0, [process.execPath, '--import', 'tsx', join(here, '_node-floor.ts'), JSON.stringify({ url, ratePerSec, durationSec })]);
  return lastJson<{ steadyCpuUsPerReq: number }>(await exec(cmd, args)).steadyCpuUsPerReq;
}

/**
 * The highest rate the engine keeps (slip p99 < 10 ms and under 1% of arrivals late or dropped): up the ladder to
 * the first miss, then two bisections between the last kept rate and it. Also nginx's CPU per request over the
 * kept runs (the target shares the machine).
 */
async function capacity(nginx: Nginx, workers: number, ladder: number[]): Promise<{ ratePerSec: number; tried: string[]; nginxCpuUsPerReq: number }> {
  let best = 0;
  let missed: number | undefined;
  const tried: string[] = [];
  let nginxUs = 0;
  let nginxReqs = 0;
  const attempt = async (rate: number): Promise<boolean> => {
    const before = nginx.cpuUs();
    const o = await open(nginx.url, rate, 3, workers, undefined);
    const kept = o.slipP99Ms < 10 && o.late + o.dropped <= 0.01 * (o.sent + o.dropped);
    tried.push(`${k(rate)} ${kept ? 'kept' : `missed (slip p99 ${o.slipP99Ms.toFixed(1)} ms, late ${o.late}, dropped ${o.dropped})`}`);
    if (kept) {
      // The run's own health and warm-up requests are a few hundred: counted with the measured ones.
      nginxUs += nginx.cpuUs() - before;
      nginxReqs += o.requests;
    }
    return kept;
  };
  for (const rate of ladder) {
    if (!(await attempt(rate))) {
      missed = rate;
      break;
    }
    best = rate;
  }
  for (let i = 0; i < 2 && missed !== undefined; i++) {
    const mid = Math.round((best + missed) / 2 / 500) * 500;
    if (mid <= best || mid >= missed) break;
    if (await attempt(mid)) best = mid;
    else missed = mid;
  }
  return { ratePerSec: best, tried, nginxCpuUsPerReq: nginxReqs > 0 ? nginxUs / nginxReqs : NaN };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const range = (xs: number[], d = 1): string => `${Math.min(...xs).toFixed(d)}–${Math.max(...xs).toFixed(d)}`;
const k = (n: number): string => `${(n / 1000).toFixed(1)}k`;

interface Goal {
  name: string;
  measured: string;
  ratio: number;
  /** The ratio's bound and which side of it passes. */
  bound: number;
  atMost: boolean;
}

export async function run(): Promise<string> {
  const lines: string[] = [];
  const cores = availableParallelism();
  lines.push(`load average before: ${loadavg()[0]!.toFixed(2)} on ${cores} cores${has('taskset') ? '' : ' (taskset missing: nothing pinned, ratios are rough)'}`);
  const nginx = await startNginx(1);
  if (!nginx) return 'nginx is not installed (apt-get install nginx-light): this bench needs a target faster than the generator';
  const goals: Goal[] = [];
  try {
    // Closed model: alternate the tools so a slower phase of the machine hits both.
    const bare: Closed[] = [];
    const engine: Closed[] = [];
    const own: Closed[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      bare.push(await closed('bare', nginx.url));
      engine.push(await closed('engine', nginx.url));
      own.push(await closed('closed', nginx.url));
    }
    const w = await wrk(nginx.url);
    lines.push(`closed model, nginx on core 1, generator on core 0, ${CLOSED_CONNECTIONS} connections, ${CLOSED_SEC} s × ${ROUNDS} rounds (steady state, each tool's own progress marks):`);
    lines.push(`  bare autocannon            ${range(bare.map((b) => b.ratePerSec), 0)} req/s   ${range(bare.map((b) => b.cpuUsPerReq), 2)} µs CPU/req`);
    lines.push(`  loadgate autocannon engine ${range(engine.map((b) => b.ratePerSec), 0)} req/s   ${range(engine.map((b) => b.cpuUsPerReq), 2)} µs CPU/req  (µs HDR per endpoint and per second, statuses, error classes, ids)`);
    lines.push(`  loadgate closed engine     ${range(own.map((b) => b.ratePerSec), 0)} req/s   ${range(own.map((b) => b.cpuUsPerReq), 2)} µs CPU/req  (the same records, on loadgate's own HTTP client)`);
    if (w) lines.push(`  wrk -t1 (C, for scale)     ${w.ratePerSec.toFixed(0)} req/s   ${w.cpuUsPerReq.toFixed(2)} µs CPU/req (whole process)`);
    const bareRate = median(bare.map((b) => b.ratePerSec));
    const engRate = median(engine.map((b) => b.ratePerSec));
    const bareCpu = median(bare.map((b) => b.cpuUsPerReq));
    const engCpu = median(engine.map((b) => b.cpuUsPerReq));
    const ownRate = median(own.map((b) => b.ratePerSec));
    const ownCpu = median(own.map((b) => b.cpuUsPerReq));
    goals.push({ name: 'closed engine: req/s ≥ bare autocannon, same core', measured: `${k(ownRate)} vs ${k(bareRate)} req/s`, ratio: ownRate / bareRate, bound: 1, atMost: false });
    goals.push({ name: 'closed engine: CPU/req ≤ 1.3× bare autocannon', measured: `${ownCpu.toFixed(2)} vs ${bareCpu.toFixed(2)} µs`, ratio: ownCpu / bareCpu, bound: 1.3, atMost: true });
    goals.push({ name: 'autocannon engine: req/s ≥ bare autocannon', measured: `${k(engRate)} vs ${k(bareRate)} req/s`, ratio: engRate / bareRate, bound: 1, atMost: false });
    goals.push({ name: 'autocannon engine: CPU/req ≤ 1.3× bare', measured: `${engCpu.toFixed(2)} vs ${bareCpu.toFixed(2)} µs`, ratio: engCpu / bareCpu, bound: 1.3, atMost: true });

    // Open model on one core.
    // The engine's client against undici's, and Node's own floor, alternated so a slower phase hits each.
    const at1000: Open[] = [];
    const undici1000: Open[] = [];
    const floor: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      at1000.push(await open(nginx.url, 1000, 10, 1, 0));
      if (DEFAULT_TRANSPORT !== 'undici') undici1000.push(await open(nginx.url, 1000, 10, 1, 0, 'undici'));
      floor.push(await nodeFloor(nginx.url, 1000, 10));
    }
    const at2000 = await open(nginx.url, 2000, 10, 1, 0);
    lines.push(`open model, one worker on core 0, 10 s runs, client ${DEFAULT_TRANSPORT}:`);
    for (const o of [...at1000.map((o) => ['1000/s', o] as const), ['2000/s', at2000] as const]) {
      const [rate, r] = o;
      lines.push(
        `  ${rate}: first-second p99 ${r.firstSecP99Ms.toFixed(2)} ms, steady p99 ${r.steadyP99Ms.toFixed(2)} ms, slip p99 ${r.slipP99Ms.toFixed(2)} ms, ` +
          `${r.steadyCpuUsPerReq.toFixed(0)} µs CPU/req (whole process ${r.wholeCpuUsPerReq.toFixed(0)}), sent ${r.sent} late ${r.late} dropped ${r.dropped}${r.saturated ? ', SATURATED' : ''}`,
      );
    }
    if (undici1000.length) lines.push(`  1000/s with undici's Pool as the client: ${undici1000.map((o) => `${o.steadyCpuUsPerReq.toFixed(0)} µs CPU/req, slip p99 ${o.slipP99Ms.toFixed(2)} ms, steady p99 ${o.steadyP99Ms.toFixed(2)} ms`).join('; ')}`);
    lines.push(`  1000/s Node floor (bench/_node-floor.ts: bare node:net loop, one timer per arrival, nothing recorded): ${floor.map((f) => f.toFixed(0)).join(', ')} µs CPU/req`);
    const firstRatio = median(at1000.map((o) => o.firstSecP99Ms / o.steadyP99Ms));
    goals.push({ name: 'open 1000/s: first-second p99 ≤ 1.5× steady', measured: at1000.map((o) => `${o.firstSecP99Ms.toFixed(1)}/${o.steadyP99Ms.toFixed(1)} ms`).join(', '), ratio: firstRatio, bound: 1.5, atMost: true });
    const cpu = median(at1000.map((o) => o.steadyCpuUsPerReq));
    const before = (OPEN_1000_BEFORE_US.lo + OPEN_1000_BEFORE_US.hi) / 2;
    goals.push({ name: 'open 1000/s: CPU/req ≤ ½ of before', measured: `${cpu.toFixed(0)} µs vs ${OPEN_1000_BEFORE_US.lo}–${OPEN_1000_BEFORE_US.hi} before, Node floor ${median(floor).toFixed(0)}`, ratio: cpu / before, bound: 0.5, atMost: true });
    goals.push({ name: 'open 2000/s one core: slip p99 < 10 ms', measured: `${at2000.slipP99Ms.toFixed(2)} ms`, ratio: at2000.slipP99Ms / 10, bound: 1, atMost: true });

    // Worker threads across both cores (nginx shares core 1).
    const one = await capacity(nginx, 1, [10_000, 20_000, 30_000, 40_000, 50_000, 60_000, 70_000, 80_000]);
    const two = await capacity(nginx, 2, [20_000, 30_000, 40_000, 50_000, 60_000, 70_000, 80_000, 100_000, 120_000]);
    lines.push(`open model capacity, not pinned (${cores} cores, nginx on core 1), 3 s per rate, kept = slip p99 < 10 ms and ≤ 1% late or dropped:`);
    lines.push(`  workers: 1  ${one.tried.join(' · ')}`);
    lines.push(`  workers: 2  ${two.tried.join(' · ')}`);
    // The target shares the machine: a worker at capacity fills its core, nginx takes n µs a request, so two
    // workers can reach at most r2 with r2·(1/c1 + n) = cores, i.e. r2/c1 = cores / (1 + n·c1).
    const n = Number.isFinite(two.nginxCpuUsPerReq) ? two.nginxCpuUsPerReq : one.nginxCpuUsPerReq;
    const bound = one.ratePerSec > 0 && Number.isFinite(n) ? cores / (1 + (n / 1e6) * one.ratePerSec) : NaN;
    lines.push(`  nginx used ${n.toFixed(1)} µs CPU a request: with it on this ${cores}-core box, 2 workers can keep at most ${bound.toFixed(2)}× one worker's rate`);
    goals.push({
      name: 'open: 2 workers keep ≥ 1.6× one worker',
      measured: `${k(two.ratePerSec)} vs ${k(one.ratePerSec)}/s (at most ${bound.toFixed(2)}× here)`,
      ratio: one.ratePerSec > 0 ? two.ratePerSec / one.ratePerSec : 0,
      bound: 1.6,
      atMost: false,
    });

    // The duration a run reports holds no start-up: 2 workers (thread start-up) at 1000/s for 5 s.
    const dur = await open(nginx.url, 1000, 5, 2, undefined);
    goals.push({
      name: 'open: reported rate ≥ 98% of planned (2 workers)',
      measured: `${dur.reportedRatePerSec.toFixed(0)} of 1000 req/s (${dur.requests} requests)`,
      ratio: dur.reportedRatePerSec / 1000,
      bound: 0.98,
      atMost: false,
    });
  } finally {
    await nginx.stop();
  }

  // WebSocket: the stream mock on core 1, the runner on core 0 (bench/ws.ts), best kept-up step.
  const steps = [];
  for (const rate of [55, 80]) steps.push(await wsStep(rate));
  const kept = steps.filter((s) => s.connected >= WS_CONNECTIONS && s.lost === 0 && s.msgsPerSec >= 0.97 * s.offered);
  const best = kept.reduce((a, s) => Math.max(a, s.msgsPerSec), 0);
  lines.push(`WebSocket runner, ${WS_CONNECTIONS} connections, runner on core 0, stream mock on core 1: ${steps.map((s) => `offered ${k(s.offered)} → received ${k(s.msgsPerSec)} msg/s (${s.cpuUsPerMsg.toFixed(1)} µs CPU/msg, lost ${s.lost})`).join('; ')}`);
  goals.push({ name: `ws: ≥ 50k msg/s at ${WS_CONNECTIONS} connections`, measured: `${k(best)} msg/s kept up`, ratio: best / 50_000, bound: 1, atMost: false });

  lines.push(`load average after: ${loadavg()[0]!.toFixed(2)}`);
  lines.push('');
  lines.push(`${'goal'.padEnd(50)} ${'measured'.padEnd(44)} ${'ratio'.padStart(7)}  verdict`);
  for (const g of goals) {
    const met = g.atMost ? g.ratio <= g.bound : g.ratio >= g.bound;
    lines.push(`${g.name.padEnd(50)} ${g.measured.padEnd(44)} ${g.ratio.toFixed(2).padStart(7)}  ${met ? 'MET' : 'NOT MET'} (${g.atMost ? '≤' : '≥'} ${g.bound})`);
  }
  return lines.join('\n');
}
