/** Reading suite and SLA files: the fs edge for input, with path-qualified messages (exit 2). */
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { InputError } from '../errors.js';
import { slaSchema, suiteSchema, engineOf, type SlaSpec, type Suite } from './schema.js';
import { raiseHint, resolveLimits, type Limits, type LimitName } from './limits.js';

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

/**
 * What a byte buffer is when it is not UTF-8 text: UTF-16/32 (a BOM, or NULs between ASCII bytes, as Windows
 * editors save "Unicode"), or binary (gzip, other NULs). Undefined for text.
 */
export function detectEncoding(buf: Uint8Array): string | undefined {
  if (buf.length >= 4 && ((buf[0] === 0xff && buf[1] === 0xfe && buf[2] === 0 && buf[3] === 0) || (buf[0] === 0 && buf[1] === 0 && buf[2] === 0xfe && buf[3] === 0xff))) return 'UTF-32';
  if (buf.length >= 2 && ((buf[0] === 0xff && buf[1] === 0xfe) || (buf[0] === 0xfe && buf[1] === 0xff))) return `UTF-16 (${buf[0] === 0xff ? 'little' : 'big'}-endian)`;
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) return 'gzip-compressed';
  const n = Math.min(buf.length, 4096);
  let nulEven = 0;
  let nulOdd = 0;
  for (let i = 0; i < n; i++) if (buf[i] === 0) (i % 2 === 0 ? nulEven++ : nulOdd++);
  if (nulEven + nulOdd === 0) return undefined;
  // ASCII text in UTF-16: every other byte is NUL.
  if (n >= 4 && (nulOdd >= n / 2 - 2 || nulEven >= n / 2 - 2)) return `UTF-16 (${nulOdd > nulEven ? 'little' : 'big'}-endian, no byte-order mark)`;
  return 'binary (it contains NUL bytes)';
}

/** Exit 2 when the bytes are not UTF-8 text, naming the encoding found. */
export function assertText(shown: string, buf: Uint8Array, what: string): void {
  const enc = detectEncoding(buf);
  if (enc === undefined) return;
  throw new InputError('LG_FILE_ENCODING', `${shown}: the file is ${enc}, not UTF-8 text`, {
    hint: enc.startsWith('UTF') ? `save it as UTF-8 (e.g. \`iconv -f ${enc.startsWith('UTF-32') ? 'UTF-32' : 'UTF-16'} -t UTF-8\`); loadgate reads ${what} as UTF-8` : `expected ${what}`,
  });
}

/** Read and parse a YAML or JSON file; `shown` is how messages name it (default: the path). */
export async function readStructuredFile(path: string, shown: string = path, limits: Pick<Limits, 'fileMb'> = resolveLimits(undefined)): Promise<unknown> {
  let buf: Buffer;
  try {
    const size = (await stat(path)).size;
    if (size > limits.fileMb * 1048576) {
      throw new InputError('LG_FILE_TOO_LARGE', `${shown}: ${(size / 1048576).toFixed(0)} MB is larger than loadgate reads into memory (limit ${limits.fileMb} MB)`, { hint: raiseHint('fileMb') });
    }
    buf = await readFile(path);
  } catch (e) {
    if (e instanceof InputError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError('LG_FILE_UNREADABLE', `${shown}: cannot read file (${code ?? String(e)})`, {
      hint: code === 'ENOENT' ? 'check the path; suites live in scenarios/*.suite.yaml' : code === 'EISDIR' ? 'give a file, not a folder' : undefined,
      cause: e,
    });
  }
  assertText(shown, buf, /\.json$/i.test(path) ? 'JSON' : 'YAML or JSON');
  let text = buf.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
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

export function parseSuite(file: string, data: unknown, env: NodeJS.ProcessEnv = process.env): Suite {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new InputError('LG_SUITE_INVALID', `${file}: (root): expected a suite (an object with target, workloads, sla), got ${describeInput(data)}`);
  }
  const r = suiteSchema.safeParse(data, { reportInput: true });
  if (!r.success) throw new InputError('LG_SUITE_INVALID', formatZodError(file, r.error), { hint: 'fix the fields above; the JSON Schema in scenarios/suite.schema.json gives completion in editors' });
  const suite = r.data;
  suite.name ??= basename(file).replace(/(\.suite)?\.(ya?ml|json)$/i, '');
  resolveDriverModules(file, suite);
  checkCapacity(file, suite, resolveLimits(suite.limits, env));
  return suite;
}

/** A driver module's path is relative to the suite file; resolved here (the fs edge), so a missing one exits 2 before any traffic. */
function resolveDriverModules(file: string, suite: Suite): void {
  suite.workloads.forEach((w, i) => {
    const d = w.driver;
    if (d === undefined || !('module' in d)) return;
    const abs = isAbsolute(d.module) ? d.module : resolve(dirname(resolve(file)), d.module);
    if (!existsSync(abs)) {
      throw new InputError('LG_DRIVER_MISSING', `${file}: workloads[${i}].driver.module: no such file: ${d.module} (looked for ${abs})`, { hint: 'the path is relative to the suite file, e.g. ./drivers/example-sdk.ts' });
    }
    d.module = abs;
  });
}

export async function loadSuite(file: string, env: NodeJS.ProcessEnv = process.env): Promise<Suite> {
  return parseSuite(file, await readStructuredFile(file, file, resolveLimits(undefined, env)), env);
}

/**
 * Capacity guards (src/suite/limits.ts): a load one machine cannot generate is refused before any traffic,
 * naming the limit and how to raise it.
 */
export function checkCapacity(file: string, suite: Suite, limits: Limits): void {
  const problems: Array<{ path: string; message: string; limit: LimitName }> = [];
  const over = (path: string, value: number, limit: LimitName, what: string) => {
    if (value > limits[limit]) problems.push({ path, message: `${value} ${what} is beyond what one machine can generate (limit ${limits[limit]} ${what})`, limit });
  };
  let totalRate = 0;
  let totalStream = 0;
  suite.workloads.forEach((w, i) => {
    const at = `workloads[${i}].load`;
    const l = w.load;
    if (l.model === 'open') {
      const peak = Math.max(l.ratePerSec, ...(l.stages ?? []).map((st) => st.targetRatePerSec));
      over(`${at}.${peak === l.ratePerSec ? 'ratePerSec' : 'stages'}`, peak, 'ratePerSec', 'req/s');
      totalRate += peak;
      over(`${at}.maxConnections`, l.maxConnections, 'connections', 'connections');
      if (engineOf(w) === 'open') over(`${at}.workers`, l.workers, 'workers', 'worker threads');
    } else if (l.model === 'closed') {
      over(`${at}.connections`, l.connections * l.pipelining, 'connections', 'connections');
    } else {
      over(`${at}.connections`, l.connections, 'streamConnections', 'WebSocket connections');
      over(`${at}.connectRatePerSec`, l.connectRatePerSec, 'connectRatePerSec', 'connections/s');
      totalStream += l.connections;
    }
  });
  if (problems.length === 0 && suite.workloads.filter((w) => w.load.model === 'open').length > 1) over('workloads', totalRate, 'ratePerSec', 'req/s (all open workloads together)');
  if (problems.length === 0 && suite.workloads.filter((w) => w.load.model === 'stream').length > 1) over('workloads', totalStream, 'streamConnections', 'WebSocket connections (all stream workloads together)');
  if (problems.length === 0) return;
  throw new InputError('LG_SUITE_CAPACITY', problems.map((p) => `${file}: ${p.path}: ${p.message}`).join('\n'), {
    hint: `${[...new Set(problems.map((p) => raiseHint(p.limit)))].join('; ')}; or spread the load over several runners (loadgate k6 operator)`,
  });
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
