import { EXIT, InputError } from '../errors.js';
import { startMockProcess } from '../mock-process.js';
import { mockOptionsSchema } from '../suite/mock-options.js';
import { loadSuite, formatZodError, readStructuredFile } from '../suite/load.js';
import { resolve } from 'node:path';
import { parseCommandArgs, type Command } from './types.js';

export const mockCommand: Command = {
  name: 'mock',
  usage: `Usage: loadgate mock [options]

Starts the mock exchange on 127.0.0.1 and prints its URL and test credentials. Runs until Ctrl-C.

Options:
  --port <n>          port (default 0: a free port)
  --host <addr>       address to listen on (default 127.0.0.1)
  --config <file>     mock options (YAML/JSON), or a suite whose target.mock is used
  --seed <n>          seed for latency and market randomness
  -h, --help          this help`,
  async run(argv, io) {
    const { values } = parseCommandArgs('mock', argv, {
      port: { type: 'string' },
      host: { type: 'string' },
      config: { type: 'string' },
      seed: { type: 'string' },
    });
    if (values.help) {
      io.stdout.write(`${this.usage}\n`);
      return EXIT.ok;
    }
    let opts: Record<string, unknown> = {};
    if (values.config) {
      const path = resolve(io.cwd, values.config);
      const data = (await readStructuredFile(path)) as Record<string, unknown> | null;
      if (data && typeof data === 'object' && 'workloads' in data) {
        const suite = await loadSuite(path);
        opts = suite.target.mock === true || suite.target.mock === undefined ? {} : { ...suite.target.mock };
      } else {
        const r = mockOptionsSchema.safeParse(data ?? {}, { reportInput: true });
        if (!r.success) throw new InputError('LG_MOCK_CONFIG', formatZodError(path, r.error));
        opts = data ?? {};
      }
    }
    const port = values.port === undefined ? 0 : Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InputError('LG_ARGS', `--port: expected 0-65535, got ${JSON.stringify(values.port)}`);
    if (values.seed !== undefined) opts.seed = Number(values.seed);
    const mockOpts = { ...opts, port, ...(values.host ? { host: values.host } : {}) };
    const parsed = mockOptionsSchema.safeParse(mockOpts, { reportInput: true });
    if (!parsed.success) throw new InputError('LG_MOCK_CONFIG', formatZodError(values.config ?? 'mock options', parsed.error));
    // Its own process, as under `loadgate run` (src/mock-process.ts): the mock is a program on top of the library.
    const mock = await startMockProcess(mockOpts as never);
    io.stdout.write(`mock exchange listening on ${mock.url} (WebSocket ${mock.wsUrl})\n`);
    // The credentials it accepts: the configured ones (issue 16: the banner used to print the defaults regardless).
    const creds = parsed.data.credentials;
    for (const c of creds.slice(0, 5)) io.stdout.write(`test credentials: api key ${c.apiKey}, secret ${c.apiSecret}\n`);
    if (creds.length > 5) io.stdout.write(`(and ${creds.length - 5} more key pairs from the config)\n`);
    io.stdout.write(`press Ctrl-C to stop\n`);
    await new Promise<void>((resolve) => io.signal.addEventListener('abort', () => resolve(), { once: true }));
    const served = await mock.stats().then(
      (st) => st.requestsTotal,
      () => undefined,
    );
    await mock.close();
    io.stdout.write(served === undefined ? `stopped (${mock.exited ?? 'its counters could not be read'})\n` : `stopped; served ${served} requests\n`);
    return EXIT.ok;
  },
};
