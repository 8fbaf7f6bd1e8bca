#!/usr/bin/env node
/**
 * The thin CLI: find the command, hand over, print errors without stack traces, set process.exitCode.
 * Commands are one file each in src/commands/.
 */
import { EXIT, isLoadgateError } from './errors.js';
import type { CliIO, Command } from './commands/types.js';
import { watchParent } from './parent-watch.js';

/** Every command: its one-line summary (for --help, without loading it) and a lazy loader. */
const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  run: { summary: 'run a suite, check its SLA, write reports', load: async () => (await import('./commands/run.js')).runCommand },
  report: { summary: 're-evaluate a saved result (against its own SLA or another) and re-render reports', load: async () => (await import('./commands/report.js')).reportCommand },
  mock: { summary: 'start the built-in mock exchange (HTTP + WebSocket) until Ctrl-C', load: async () => (await import('./commands/mock.js')).mockCommand },
  compare: {
    summary: 'compare a baseline with a candidate: improved / regressed / unchanged / inconclusive per metric',
    load: async () => (await import('./commands/compare.js')).compareCommand,
  },
  import: { summary: 'turn k6 output (NDJSON or summary JSON) into a loadgate result', load: async () => (await import('./commands/import.js')).importCommand },
  merge: { summary: 'merge results (or k6 NDJSON files) exactly into one, then one SLA verdict', load: async () => (await import('./commands/merge.js')).mergeCommand },
  trend: { summary: 'nightly history per endpoint and metric, with change points (Otava\'s method)', load: async () => (await import('./commands/trend.js')).trendCommand },
  k6: { summary: 'k6 helpers: build bundles, write k6-operator manifests', load: async () => (await import('./commands/k6.js')).k6Command },
  prometheus: { summary: 'Prometheus: SLO alert rules from the SLA, push a result to a Pushgateway', load: async () => (await import('./commands/prometheus.js')).prometheusCommand },
  grafana: { summary: 'Grafana: a dashboard JSON for the suite\'s metrics and SLOs', load: async () => (await import('./commands/grafana.js')).grafanaCommand },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((k) => k.length));
  return `loadgate — load and SLA testing for exchange APIs

Usage: loadgate <command> [options]

Commands:
${Object.entries(COMMANDS)
  .map(([k, v]) => `  ${k.padEnd(width)}  ${v.summary}`)
  .join('\n')}

Run \`loadgate <command> --help\` for a command's options.
Exit codes: 0 pass, 1 SLA breached or regression, 2 invalid input, 3 run could not complete.`;
}

export async function main(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(`${usage()}\n`);
    return name === undefined ? EXIT.invalidInput : EXIT.ok;
  }
  if (name === '--version' || name === '-v') {
    io.stdout.write(`${(await import('./package-root.js')).packageVersion()}\n`);
    return EXIT.ok;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.stderr.write(`loadgate: unknown command "${name}"\n\n${usage()}\n`);
    return EXIT.invalidInput;
  }
  try {
    return await (await command.load()).run(rest, io);
  } catch (e) {
    if (isLoadgateError(e)) {
      io.stderr.write(`${prefixed(name, e.message)}\n${e.hint ? `hint: ${e.hint}\n` : ''}`);
      if (io.env.LOADGATE_DEBUG) io.stderr.write(`${e.stack}\n`);
      return e.exitCode;
    }
    io.stderr.write(`${prefixed(name, `internal error: ${(e as Error)?.message ?? String(e)}`)}\n`);
    io.stderr.write(io.env.LOADGATE_DEBUG ? `${(e as Error)?.stack}\n` : 'hint: run again with LOADGATE_DEBUG=1 for the stack trace, and report it\n');
    return EXIT.runFailed;
  }
}

/** One `loadgate <command>:` prefix per message, whether or not the message already carries one. */
export function prefixed(command: string, message: string): string {
  const bare = message.replace(new RegExp(`^(?:loadgate(?: ${command.replace(/[^a-z0-9]/gi, '')})?: )+`), '');
  return `loadgate ${command}: ${bare}`;
}

// Run when executed directly (node dist/src/cli.js, tsx src/cli.ts, bin/loadgate.js).
const entry = process.argv[1] ?? '';
if (/(?:^|[\\/])(cli\.(?:ts|js)|loadgate(?:\.js)?)$/.test(entry)) {
  const controller = new AbortController();
  // Output may go to a pipe whose reader died with our parent (npx killed): an EPIPE must not crash the run
  // before its reports are written.
  process.stdout.on('error', () => undefined);
  process.stderr.on('error', () => undefined);
  let stops = 0;
  // `run` and `mock` stop through the signal (a run writes what it measured); the other commands only read and
  // write files, so a stop ends them at once (a long import or compare must never ignore SIGTERM).
  const watchesSignal = ['run', 'mock'].includes(process.argv[2] ?? '');
  const stop = (why: string, signal: NodeJS.Signals | undefined): void => {
    stops++;
    if (!watchesSignal) {
      process.stderr.write(`\nloadgate: ${why}: stopped\n`);
      process.exit(EXIT.runFailed);
    }
    if (stops === 1) {
      process.stderr.write(`\nloadgate: ${why}: stopping the load${signal === 'SIGINT' ? ' (Ctrl-C again to quit at once)' : ''}; writing what was measured…\n`);
      controller.abort(`interrupted (${why}) before the planned duration`);
      // Writing the reports is bounded; if anything still holds the process after this, leave anyway (exit 3).
      setTimeout(() => {
        process.stderr.write('loadgate: still not finished 60 s after the stop; exiting\n');
        process.exit(EXIT.runFailed);
      }, 60_000).unref();
    } else if (signal !== undefined) {
      process.stderr.write(`loadgate: ${signal} again: quitting at once, without reports\n`);
      process.exit(EXIT.runFailed);
    }
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => stop(`got ${sig}`, sig));
  if (!process.env.LOADGATE_IGNORE_PARENT) watchParent((who) => stop(`the process that started loadgate (${who}) is gone`, undefined));
  main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd(), signal: controller.signal }).then(
    (code) => {
      process.exitCode = code;
      // A stopped run exits once its reports are out, even if a socket or timer somewhere still holds the loop.
      if (controller.signal.aborted) setTimeout(() => process.exit(code), 5_000).unref();
    },
    (e: unknown) => {
      process.stderr.write(`loadgate: internal error: ${String(e)}\n`);
      process.exitCode = EXIT.runFailed;
    },
  );
}
