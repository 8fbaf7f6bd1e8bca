import { DIALECT_NAMES, DEFAULT_DIALECT, getDialect } from '../dialect/registry.js';
import { EXIT, InputError } from '../errors.js';
import { startMockProcess } from '../mock-process.js';
import { mockOptionsSchema } from '../suite/mock-options.js';
import { loadSuite, formatZodError, readStructuredFile } from '../suite/load.js';
import { targetDialect } from '../suite/schema.js';
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
  --dialect <name>    the exchange API it speaks: ${DIALECT_NAMES.join(', ')} (default ${DEFAULT_DIALECT}, or the config's)
  -h, --help          this help`,
  async run(argv, io) {
    const { values } = parseCommandArgs('mock', argv, {
      port: { type: 'string' },
      host: { type: 'string' },
      config: { type: 'string' },
      seed: { type: 'string' },
      dialect: { type: 'string' },
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
        // The mock speaks the suite target's dialect, as under `loadgate run`.
        opts.dialect = targetDialect(suite.target);
      } else {
        const r = mockOptionsSchema.safeParse(data ?? {}, { reportInput: true });
        if (!r.success) throw new InputError('LG_MOCK_CONFIG', formatZodError(path, r.error));
        opts = data ?? {};
      }
    }
    const port = values.port === undefined ? 0 : Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InputError('LG_ARGS', `--port: expected 0-65535, got ${JSON.stringify(values.port)}`);
    if (values.seed !== undefined) opts.seed = Number(values.seed);
    if (values.dialect !== undefined) {
      if (!(DIALECT_NAMES as readonly string[]).includes(values.dialect)) throw new InputError('LG_ARGS', `--dialect: expected one of ${DIALECT_NAMES.join(', ')}, got ${JSON.stringify(values.dialect)}`);
      opts.dialect = values.dialect;
    }
    const mockOpts = { ...opts, port, ...(values.host ? { host: values.host } : {}) };
    const parsed = mockOptionsSchema.safeParse(mockOpts, { reportInput: true });
    if (!parsed.success) throw new InputError('LG_MOCK_CONFIG', formatZodError(values.config ?? 'mock options', parsed.error));
    const dialect = getDialect(parsed.data.dialect);
    const keyless = parsed.data.credentials.findIndex((c) => c.passphrase === undefined);
    if (dialect.signing.needsPassphrase && keyless !== -1) {
      throw new InputError('LG_MOCK_CONFIG', `${values.config ?? 'mock options'}: credentials[${keyless}].passphrase: ${dialect.name} signs with a passphrase; give each key pair one`);
    }
    // Its own process, as under `loadgate run` (src/mock-process.ts): the mock is a program on top of the library.
    const mock = await startMockProcess(mockOpts as never);
    io.stdout.write(`mock exchange listening on ${mock.url} (WebSocket ${mock.wsUrl})\n`);
    io.stdout.write(`speaking ${dialect.name}: ${dialect.title}\n`);
    io.stdout.write(`REST ${mock.url}${dialect.rest.fetchMarkets.path} (markets), ${mock.url}${dialect.rest.health.path} (health)\n`);
    // The credentials it accepts: the configured ones (issue 16: the banner used to print the defaults regardless).
    const creds = parsed.data.credentials;
    const withPassphrase = dialect.signing.needsPassphrase;
    for (const c of creds.slice(0, 5)) io.stdout.write(`test credentials: api key ${c.apiKey}, secret ${c.apiSecret}${withPassphrase ? `, passphrase ${c.passphrase ?? ''}` : ''}\n`);
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
