/** Reading suite and SLA files: the fs edge for input, with path-qualified messages (exit 2). */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { InputError } from '../errors.js';
import { slaSchema, suiteSchema, type SlaSpec, type Suite } from './schema.js';

/** `workloads[1].sla.p95Ms` from a zod path. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? String(seg) : `.${String(seg)}`;
  }
  return out === '' ? '(root)' : out;
}

function describeInput(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v);
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  return String(v);
}

type Issue = z.core.$ZodIssue;

/**
 * A union's failure says only "Invalid input"; surface the branch that explains it: a custom message
 * (e.g. a bad duration string) if a branch has one, else "expected A or B".
 */
function explainUnion(iss: Issue & { code: 'invalid_union' }): Issue {
  const branches = (iss.errors ?? []).map((b) => b.map((i) => ({ ...i, path: [...iss.path, ...i.path] }) as Issue));
  const custom = branches.flat().find((i) => i.code === 'custom' || (i.path.length > iss.path.length && i.code !== 'invalid_type'));
  if (custom) return custom.code === 'invalid_union' ? explainUnion(custom as Issue & { code: 'invalid_union' }) : custom;
  const deeper = branches.find((b) => b.length > 0 && b.every((i) => i.path.length > iss.path.length));
  if (deeper?.[0]) return deeper[0];
  const expected = [...new Set(branches.flat().filter((i) => i.code === 'invalid_type').map((i) => (i as { expected: string }).expected))];
  if (expected.length) return { ...iss, code: 'invalid_type', expected: expected.join(' or '), message: '' } as unknown as Issue;
  return iss;
}

/** One line per problem: `<file>: <path>: <what is wrong>`. */
export function formatZodError(file: string, error: z.ZodError): string {
  const lines = error.issues.slice(0, 20).map((raw) => {
    const iss = raw.code === 'invalid_union' ? explainUnion(raw as Issue & { code: 'invalid_union' }) : raw;
    const where = formatPath(iss.path);
    let msg = iss.message;
    if (iss.code === 'invalid_type') {
      const got = 'input' in iss ? describeInput(iss.input) : 'input' in raw ? describeInput(raw.input) : 'another type';
      const key = String(iss.path.at(-1) ?? '');
      const unit = /PerSec$/.test(key) ? ' per second' : /Ms$/.test(key) ? ' in milliseconds' : /Sec$/.test(key) ? ' in seconds' : /Pct$/.test(key) ? ' in percent' : '';
      const expected = unit && String(iss.expected).startsWith('number') ? `a number${unit}${String(iss.expected).includes('object') ? ' (or { limit, window, optional })' : ''}` : iss.expected;
      msg = `expected ${expected}, got ${got}`;
    } else if (iss.code === 'unrecognized_keys') {
      msg = `unknown key${iss.keys.length > 1 ? 's' : ''} ${iss.keys.map((k) => `"${k}"`).join(', ')} (check the spelling; see scenarios/suite.schema.json)`;
    } else if (iss.code === 'invalid_value' && 'values' in iss) {
      msg = `expected one of ${iss.values.map((v) => JSON.stringify(v)).join(', ')}, got ${describeInput('input' in iss ? iss.input : undefined)}`;
    }
    return `${file}: ${where}: ${msg}`;
  });
  if (error.issues.length > 20) lines.push(`${file}: … and ${error.issues.length - 20} more problems`);
  return lines.join('\n');
}

/** Read and parse a YAML or JSON file; `shown` is how messages name it (default: the path). */
export async function readStructuredFile(path: string, shown: string = path): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError('LG_FILE_UNREADABLE', `${shown}: cannot read file (${code ?? String(e)})`, {
      hint: code === 'ENOENT' ? 'check the path; suites live in scenarios/*.suite.yaml' : undefined,
      cause: e,
    });
  }
  return parseStructured(shown, text);
}

export function parseStructured(path: string, text: string): unknown {
  if (text.trim() === '') throw new InputError('LG_FILE_EMPTY', `${path}: the file is empty`, { hint: 'see scenarios/default.suite.yaml for a complete example' });
  try {
    if (/\.json$/i.test(path)) return JSON.parse(text);
    return parseYaml(text, { prettyErrors: true });
  } catch (e) {
    // The parser recurses per nesting level: a file nested thousands deep overflows the stack. Say that, not V8's words.
    const tooDeep = e instanceof RangeError || /Maximum call stack size exceeded/.test((e as Error)?.message ?? '');
    const detail = tooDeep ? 'nested too deeply to read (thousands of levels of lists or maps)' : e instanceof YAMLParseError ? e.message.split('\n')[0] : (e as Error).message;
    throw new InputError('LG_FILE_SYNTAX', `${path}: not valid ${/\.json$/i.test(path) ? 'JSON' : 'YAML'}: ${detail}`, { cause: e });
  }
}

export function parseSuite(file: string, data: unknown): Suite {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new InputError('LG_SUITE_INVALID', `${file}: (root): expected a suite (an object with target, workloads, sla), got ${describeInput(data)}`);
  }
  const r = suiteSchema.safeParse(data, { reportInput: true });
  if (!r.success) throw new InputError('LG_SUITE_INVALID', formatZodError(file, r.error), { hint: 'fix the fields above; the JSON Schema in scenarios/suite.schema.json gives completion in editors' });
  const suite = r.data;
  suite.name ??= basename(file).replace(/(\.suite)?\.(ya?ml|json)$/i, '');
  return suite;
}

export async function loadSuite(file: string): Promise<Suite> {
  return parseSuite(file, await readStructuredFile(file));
}

/** An SLA file: a bare `sla:` block (or a whole suite, whose `sla` is taken). */
export async function loadSla(file: string): Promise<SlaSpec> {
  const data = await readStructuredFile(file);
  const obj = data !== null && typeof data === 'object' && !Array.isArray(data) ? (data as Record<string, unknown>) : undefined;
  if (obj && 'workloads' in obj) return parseSuite(file, data).sla ?? {};
  const inner = obj && 'sla' in obj ? obj.sla : data;
  const r = slaSchema.safeParse(inner, { reportInput: true });
  if (!r.success) throw new InputError('LG_SLA_INVALID', formatZodError(file, r.error).replaceAll(`${file}: `, `${file}: ${obj && 'sla' in obj ? 'sla.' : ''}`).replaceAll('sla.(root)', 'sla'));
  return r.data;
}
