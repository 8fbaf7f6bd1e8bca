/** A CLI command: parses its own arguments, calls the library, prints, returns an exit code. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { InputError } from '../errors.js';

export interface CliIO {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Aborted on Ctrl-C (first SIGINT). */
  signal: AbortSignal;
}

export interface Command {
  name: string;
  /** Full `--help` text. */
  usage: string;
  run(argv: string[], io: CliIO): Promise<number>;
}

type Options = NonNullable<ParseArgsConfig['options']>;

export type ParsedValues<O extends Options> = {
  [K in keyof O]?: O[K]['type'] extends 'boolean' ? boolean : O[K]['multiple'] extends true ? string[] : string;
} & { help?: boolean };

/** node:util parseArgs, strict, with errors turned into exit-2 InputErrors that point at `--help`. */
export function parseCommandArgs<O extends Options>(command: string, argv: string[], options: O): { values: ParsedValues<O>; positionals: string[] } {
  try {
    const r = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
    return { values: r.values as ParsedValues<O>, positionals: r.positionals };
  } catch (e) {
    throw new InputError('LG_ARGS', `loadgate ${command}: ${(e as Error).message}`, { hint: `run \`loadgate ${command} --help\`` });
  }
}
