/** Shared setup for the ws integration tests: streams on a bare HTTP server on port 0, and an engine context. */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { attachStreams, type StreamDeps, type StreamOptions, type StreamsHandle } from '../../mocks/streams.js';
import type { EngineContext, EngineOutput } from '../../src/engines/types.js';
import { createWsEngine, type WsEngineDeps } from '../../src/engines/ws.js';
import { suiteSchema, type SuiteInput } from '../../src/suite/schema.js';

export interface StreamServer {
  baseUrl: string;
  wsUrl: string;
  streams: StreamsHandle;
  close(): Promise<void>;
}

export async function startStreamServer(opts: StreamOptions, deps: StreamDeps = {}): Promise<StreamServer> {
  const server = http.createServer((_req, res) => {
    res.writeHead(404).end();
  });
  const streams = attachStreams(server, opts, deps);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    streams,
    async close() {
      await streams.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

type WorkloadInput = SuiteInput['workloads'][number];

export function streamContext(target: { baseUrl: string; wsUrl: string }, workload: Partial<WorkloadInput>, signal = new AbortController().signal): EngineContext {
  const suite = suiteSchema.parse({
    target: { url: target.baseUrl },
    workloads: [{ name: 'stream', load: { model: 'stream', connections: 4, connectRatePerSec: 200, durationSec: 1 }, streams: [{ channel: 'trades' }], ...workload }],
  });
  const now = () => performance.now();
  return {
    suite,
    workload: suite.workloads[0]!,
    target: { baseUrl: target.baseUrl, wsUrl: target.wsUrl, credentials: undefined, timeoutMs: 5_000, dialect: 'loadgate', mock: false },
    originMs: now(),
    now,
    signal,
    progress: () => {},
    seed: 7,
  };
}

export async function runStreams(target: { baseUrl: string; wsUrl: string }, workload: Partial<WorkloadInput>, deps: WsEngineDeps = {}): Promise<EngineOutput> {
  return createWsEngine(deps).run(streamContext(target, workload));
}
