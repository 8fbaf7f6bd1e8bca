/**
 * k6 NDJSON ingest: loadgate's streaming scanner vs a naive readline + JSON.parse loop feeding the same
 * aggregator, over the same ≥ 200 MB file generated from the fixture runs (timestamps shifted per copy).
 * Prints both times, MB/s, the ratio (target ≥ 3×) and the peak RSS growth of our ingest.
 */
import { createReadStream, createWriteStream, readFileSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { K6Aggregator } from '../src/engines/k6/aggregate.js';
import { ingestNdjsonFile } from '../src/engines/k6/ingest-ndjson.js';

const FIXTURES = fileURLToPath(new URL('../../shared/fixtures/k6/runs/', import.meta.url));
const TARGET_BYTES = 210 * 1024 * 1024;

/** Repeat the fixture Points with their times shifted by a whole number of seconds per copy. */
export async function generate(path: string): Promise<number> {
  const metricLines = ['rest-pass', 'ws-stream', 'err-transport-errors'].flatMap((r) => readFileSync(`${FIXTURES}${r}.ndjson`, 'utf8').split('\n').filter((l) => l.startsWith('{"type":"Metric"')));
  const seen = new Set<string>();
  const header = metricLines.filter((l) => {
    const name = (JSON.parse(l) as { data: { name: string } }).data.name;
    return seen.has(name) ? false : (seen.add(name), true);
  });
  // Split each Point around its time: prefix, epoch ms, sub-ms digits, suffix. Each run is moved to start at
  // the same instant, so a copy looks like one run with REST and WebSocket traffic side by side.
  const points: Array<{ pre: string; ms: number; sub: string; post: string }> = [];
  for (const r of ['rest-pass', 'ws-stream', 'err-transport-errors']) {
    let base: number | undefined;
    for (const l of readFileSync(`${FIXTURES}${r}.ndjson`, 'utf8').split('\n')) {
      if (!l.startsWith('{"metric"')) continue;
      const m = /"time":"([^"]+?)(?:\.(\d+))?Z"/.exec(l)!;
      const frac = (m[2] ?? '').padEnd(9, '0');
      const ms = Date.parse(`${m[1]}Z`) + Number(frac.slice(0, 3));
      base ??= ms;
      points.push({ pre: l.slice(0, m.index + 8), ms: ms - base + Date.UTC(2026, 10, 22), sub: frac.slice(3), post: l.slice(m.index + m[0].length - 1) });
    }
  }
  // Interleave by time as k6 would write them (stable: each run's own out-of-order lines stay as k6 wrote them).
  points.sort((a, b) => Math.floor(a.ms / 1000) - Math.floor(b.ms / 1000));
  const out = createWriteStream(path);
  let bytes = 0;
  const write = async (s: string) => {
    bytes += Buffer.byteLength(s);
    if (!out.write(s)) await once(out, 'drain');
  };
  await write(`${header.join('\n')}\n`);
  for (let copy = 0; bytes < TARGET_BYTES && copy < 1000; copy++) {
    const shift = copy * 20_000;
    let chunk = '';
    for (const p of points) {
      const iso = new Date(p.ms + shift).toISOString().slice(0, -1);
      chunk += `${p.pre}${iso}${p.sub}Z${p.post}\n`;
    }
    await write(chunk);
  }
  out.end();
  await once(out, 'finish');
  return statSync(path).size;
}

async function naive(path: string): Promise<number> {
  const agg = new K6Aggregator();
  const rl = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  for await (const line of rl) {
    if (line === '') continue;
    const o = JSON.parse(line) as { type: string; metric: string; data: { name: string; type: 'trend'; contains: 'time'; submetrics: null; time: string; value: number; tags: Record<string, string> } };
    if (o.type === 'Point') {
      const m = agg.metric(o.metric);
      agg.point(m, Date.parse(o.data.time), o.data.value, m.needsTags ? o.data.tags : null);
    } else if (o.type === 'Metric') agg.declare(o.data.name, o.data.type, o.data.contains, o.data.submetrics);
  }
  return agg.finish().points;
}

export async function run(): Promise<string> {
  const path = join(tmpdir(), `loadgate-k6-bench-${process.pid}.ndjson`);
  try {
    const bytes = await generate(path);
    const mb = bytes / 1024 / 1024;
    // Alternate the two three times and keep each one's best time: the box is shared, and both get the same chances.
    const rss0 = process.memoryUsage().rss;
    let oursMs = Infinity;
    let naiveMs = Infinity;
    let oursCpuMs = Infinity;
    let naiveCpuMs = Infinity;
    let ours: Awaited<ReturnType<typeof ingestNdjsonFile>> | undefined;
    let naivePoints = 0;
    let rssGrowthMb = 0;
    // Wall time and CPU time (user + system) of each: on a shared VM the wall clock also counts time the
    // process was not running at all; CPU time does not, so its ratio is the steadier of the two.
    const cpuMs = (c: NodeJS.CpuUsage) => (c.user + c.system) / 1000;
    for (let round = 0; round < 3; round++) {
      let t = performance.now();
      let c = process.cpuUsage();
      ours = await ingestNdjsonFile(path);
      oursMs = Math.min(oursMs, performance.now() - t);
      oursCpuMs = Math.min(oursCpuMs, cpuMs(process.cpuUsage(c)));
      rssGrowthMb = Math.max(rssGrowthMb, (process.memoryUsage().rss - rss0) / 1024 / 1024);
      t = performance.now();
      c = process.cpuUsage();
      naivePoints = await naive(path);
      naiveMs = Math.min(naiveMs, performance.now() - t);
      naiveCpuMs = Math.min(naiveCpuMs, cpuMs(process.cpuUsage(c)));
    }
    if (ours === undefined) throw new Error('unreachable');
    if (naivePoints !== ours.points) throw new Error(`point counts differ: ours ${ours.points}, naive ${naivePoints}`);
    return [
      `k6 NDJSON ingest, ${mb.toFixed(0)} MB, ${ours.points.toLocaleString('en')} points (best of 3 rounds each, alternating)`,
      `  naive readline+JSON.parse: ${(naiveMs / 1000).toFixed(2)} s  ${(mb / (naiveMs / 1000)).toFixed(0)} MB/s  cpu ${(naiveCpuMs / 1000).toFixed(2)} s`,
      `  loadgate streaming ingest: ${(oursMs / 1000).toFixed(2)} s  ${(mb / (oursMs / 1000)).toFixed(0)} MB/s  cpu ${(oursCpuMs / 1000).toFixed(2)} s  (rss +${rssGrowthMb.toFixed(0)} MB)`,
      `  ingest ratio: ${(naiveMs / oursMs).toFixed(2)}x faster by wall time, ${(naiveCpuMs / oursCpuMs).toFixed(2)}x by CPU time (target >= 3x)`,
    ].join('\n');
  } finally {
    rmSync(path, { force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) run().then((s) => console.log(s));
