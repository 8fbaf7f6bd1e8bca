/**
 * Typed errors with an exit code, a stable code, and a hint that says how to fix the problem
 * (in the spirit of undici's UND_ERR_* codes). The CLI prints `message` + `hint`; never a stack trace.
 */
export const EXIT = {
  /** All SLA checks passed. */
  ok: 0,
  /** An SLA check failed or a regression was found. */
  breach: 1,
  /** Invalid input: suite/SLA file, arguments, result files. */
  invalidInput: 2,
  /** The run could not complete: target unreachable, engine missing or crashed. */
  runFailed: 3,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export class LoadgateError extends Error {
  readonly code: string;
  readonly exitCode: ExitCode;
  readonly hint: string | undefined;
  constructor(code: string, message: string, opts: { exitCode: ExitCode; hint?: string; cause?: unknown }) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'LoadgateError';
    this.code = code;
    this.exitCode = opts.exitCode;
    this.hint = opts.hint;
  }
}

/** Bad input (exit 2): the message names the file and path of the problem. */
export class InputError extends LoadgateError {
  constructor(code: string, message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(code, message, { ...opts, exitCode: EXIT.invalidInput });
    this.name = 'InputError';
  }
}

/** The run could not complete (exit 3). */
export class RunError extends LoadgateError {
  constructor(code: string, message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(code, message, { ...opts, exitCode: EXIT.runFailed });
    this.name = 'RunError';
  }
}

export function isLoadgateError(e: unknown): e is LoadgateError {
  return e instanceof LoadgateError;
}
