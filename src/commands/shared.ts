/** Small helpers shared by commands: reading result files, git commit, evaluation from a suite. */
import { execFileSync } from 'node:child_process';
import { access, constants as fsConstants, readdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { EXIT, InputError, type ExitCode } from '../errors.js';
import { runResultSchema, type RunResult } from '../result/model.js';
import { checkEncodedHistogram } from '../result/histogram.js';
import { formatZodError, readStructuredFile } from '../suite/load.js';
import { workloadMix, type SlaSpec, type Suite } from '../suite/schema.js';
import { compileSla, type SlaPlan } from '../sla/checks.js';
import type { Verdict } from '../sla/evaluate.js';
import { REPORT_FORMATS, type ReportFormat } from '../report/model.js';
import { renderConsole, renderMarkdown, writeReportFiles, type Report } from '../report/index.js';
import { publishToGithub, verdictAnnotations } from '../report/github.js';
import type { CliIO } from './types.js';

/** Read and validate a result.json (exit 2 with a path-qualified message when it isn't one). */
export async function readResultFile(file: string): Promise<RunResult> {
  return parseResult(file, await readStructuredFile(file));
}

/** Validate parsed JSON as a result; `file` names it in messages. */
export function parseResult(file: string, data: unknown): RunResult {
  // A report.json embeds no raw histograms; point the user at result.json.
  if (data && typeof data === 'object' && (data as { kind?: unknown }).kind === 'loadgate.report') {
    throw new InputError('LG_RESULT_INVALID', `${file}: this is a report, not a result`, { hint: 'pass the result.json written next to it (it holds the raw histograms)' });
  }
  const r = runResultSchema.safeParse(data, { reportInput: true });
  if (!r.success) throw new InputError('LG_RESULT_INVALID', formatZodError(file, r.error), { hint: 'expected a loadgate result.json (written by `loadgate run`, `import` or `merge`)' });
  const problems = checkResultData(r.data);
  if (problems.length > 0) {
    throw new InputError('LG_RESULT_INVALID', problems.map((p) => `${file}: ${p}`).join('\n'), { hint: 'the file was edited or damaged; use the result.json as `loadgate run`, `import` or `merge` wrote it' });
  }
  return r.data;
}

/**
 * What the schema cannot see (issue 14 items 6–7): every histogram must decode (a damaged one would fail deep
 * inside a report as an internal error), and a series holds each second once (a duplicate doubles its counts).
 * Returns up to 10 path-qualified problems.
 */
export function checkResultData(result: RunResult): string[] {
  const problems: string[] = [];
  const hist = (path: string, h: string | undefined) => {
    if (h === undefined || problems.length >= 10) return;
    const why = checkEncodedHistogram(h);
    if (why !== undefined) problems.push(`${path}: not a valid HdrHistogram (${why})`);
  };
  for (const [name, ep] of Object.entries(result.endpoints)) {
    const at = `endpoints.${name}`;
    hist(`${at}.latency`, ep.latency);
    hist(`${at}.latencyUncorrected`, ep.latencyUncorrected);
    if (ep.stream) for (const k of ['connectTime', 'subscribeAckTime', 'recoveryTime'] as const) hist(`${at}.stream.${k}`, ep.stream[k]);
    const seen = new Map<number, number>();
    ep.series.forEach((pt, i) => {
      const first = seen.get(pt.tSec);
      if (first !== undefined && problems.length < 10) problems.push(`${at}.series[${i}].tSec: second ${pt.tSec} appears twice (also series[${first}]): its counts would be added twice`);
      else seen.set(pt.tSec, i);
      hist(`${at}.series[${i}].latency`, pt.latency);
      hist(`${at}.series[${i}].latencyUncorrected`, pt.latencyUncorrected);
    });
  }
  for (const [name, m] of Object.entries(result.custom ?? {})) hist(`custom.${name}.histogram`, m.histogram);
  return problems;
}

/**
 * `--out` checked before any traffic (issue 14 item 6): an existing file, or a folder that cannot be written,
 * would lose the whole run's data at the end. `what` names the option in messages.
 */
export async function checkOutDir(dir: string, what: string): Promise<void> {
  let at = dir;
  for (let i = 0; i < 64; i++) {
    const st = await stat(at).catch(() => undefined);
    if (st !== undefined) {
      if (!st.isDirectory()) {
        throw new InputError('LG_OUT_INVALID', `${what}: ${at} ${at === dir ? 'is an existing file' : 'is a file, so the folder cannot be created under it'}`, { hint: 'give a folder (new or existing) for the reports' });
      }
      try {
        await access(at, fsConstants.W_OK);
      } catch {
        throw new InputError('LG_OUT_INVALID', `${what}: ${at} is not writable`, { hint: 'give a folder you can write to' });
      }
      return;
    }
    const up = dirname(at);
    if (up === at) return;
    at = up;
  }
}

/** The current git commit, from CI variables or `git rev-parse`, when there is one. */
export function detectGitCommit(env: NodeJS.ProcessEnv, cwd: string): string | undefined {
  const fromEnv = env.GITHUB_SHA ?? env.CI_COMMIT_SHA ?? env.GIT_COMMIT;
  if (fromEnv) return fromEnv;
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd, stdio: ['ignore', 'pipe', 'ignore'], timeout: 2000 }).toString().trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The SLA plan for a suite: presets limited to what the suite drives, plus implicit open-model checks. */
export function planForSuite(suite: Suite, sla: SlaSpec | undefined = suite.sla): SlaPlan {
  const driven = new Set<string>();
  const open = new Set<string>();
  for (const w of suite.workloads) {
    for (const m of workloadMix(w)) {
      driven.add(m.endpoint);
      if (w.load.model === 'open') open.add(m.endpoint); // k6 too: its dropped iterations become arrivals (engines/k6/as-run.ts)
    }
    for (const s of w.streams ?? []) driven.add(`ws:${s.channel}`);
  }
  return compileSla(sla, { drivenEndpoints: driven, openModelEndpoints: open });
}

/** The SLA plan for a saved result: presets limited to the endpoints the result has. */
export function planForResult(result: RunResult, sla: SlaSpec | undefined): SlaPlan {
  const driven = new Set(Object.keys(result.endpoints));
  const open = new Set(Object.entries(result.endpoints).filter(([, e]) => e.arrivals !== undefined).map(([n]) => n));
  return compileSla(sla, { drivenEndpoints: driven, openModelEndpoints: open });
}

/** `--format json,md` → validated list (exit 2 on an unknown format). */
export function parseFormats(v: string | undefined): ReportFormat[] {
  if (v === undefined) return ['json', 'md', 'html', 'junit'];
  const list = v.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = list.filter((f) => !(REPORT_FORMATS as readonly string[]).includes(f));
  if (bad.length || list.length === 0) throw new InputError('LG_ARGS', `--format: unknown format ${bad.map((b) => JSON.stringify(b)).join(', ') || '(empty)'}`, { hint: `use a comma-separated list of ${REPORT_FORMATS.join(', ')}` });
  return list as ReportFormat[];
}

/** Colour only on a terminal, and never with --no-color or NO_COLOR (https://no-color.org). */
export function useColor(io: CliIO, noColorFlag: boolean | undefined): boolean {
  return !noColorFlag && io.stdout.isTTY === true && !io.env.NO_COLOR;
}

/** Write the report files (the fs edge), then print the console summary; in GitHub Actions also the job summary and annotations. */
export async function writeAndPrint(io: CliIO, report: Report, files: Record<string, string>, noColorFlag: boolean | undefined): Promise<void> {
  await writeReportFiles(report.reportDir!, files);
  io.stdout.write(renderConsole(report, { color: useColor(io, noColorFlag), width: io.stdout.columns ?? 80 }));
  await publishToGithub(io, () => files['report.md'] ?? renderMarkdown(report), verdictAnnotations(report.verdict));
}

/**
 * Accept an untrustworthy run: `--accept-untrustworthy`, or `LOADGATE_ACCEPT_UNTRUSTWORTHY=1` for a CI whose
 * machine is known to be noisy (the reports still say the run was untrustworthy). An incomplete run never is.
 */
export function acceptsUntrustworthy(io: CliIO, flag: boolean | undefined): { acceptUntrustworthy: true } | Record<string, never> {
  const env = io.env.LOADGATE_ACCEPT_UNTRUSTWORTHY;
  return flag === true || (env !== undefined && env !== '' && env !== '0' && env.toLowerCase() !== 'false') ? { acceptUntrustworthy: true } : {};
}

/** 0 pass, 1 an SLA check failed, 3 incomplete or untrustworthy (never read as a pass). */
export function verdictExitCode(verdict: Verdict): ExitCode {
  if (verdict.status === 'incomplete' || verdict.status === 'untrustworthy') return EXIT.runFailed;
  return verdict.status === 'pass' ? EXIT.ok : EXIT.breach;
}

/** Tell stderr why a verdict is not a pass although the checks may have passed. */
export function writeTrustReason(io: CliIO, command: string, verdict: Verdict): void {
  if (verdict.status !== 'incomplete' && verdict.status !== 'untrustworthy') return;
  io.stderr.write(`loadgate ${command}: ${verdict.status}, not a pass: ${verdict.reason ?? ''}\nhint: reports of what was measured are written; re-run it${verdict.status === 'untrustworthy' ? ', or accept such a run with --accept-untrustworthy (sla.acceptUntrustworthy: true)' : ''}\n`);
}

/** Read one side: files and folders, in the order given. A folder contributes its loadgate results (other JSON is skipped). */
export async function readSide(side: string, paths: string[], cwd: string): Promise<{ results: RunResult[]; files: string[] }> {
  const results: RunResult[] = [];
  const files: string[] = [];
  for (const p of paths) {
    const abs = resolve(cwd, p);
    let isDir = false;
    try {
      isDir = (await stat(abs)).isDirectory();
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new InputError('LG_FILE_UNREADABLE', `${p}: cannot read ${side} result (${code ?? String(e)})`, { hint: 'give a result JSON written by `loadgate run`, or a folder of them', cause: e });
    }
    if (isDir) {
      const names = (await readdir(abs)).filter((n) => n.toLowerCase().endsWith('.json')).sort();
      let found = 0;
      for (const n of names) {
        const file = join(p, n);
        const data = await readStructuredFile(join(abs, n), file);
        if (!isResultLike(data)) continue;
        results.push(validate(data, file));
        files.push(file);
        found++;
      }
      if (found === 0) throw new InputError('LG_COMPARE_EMPTY', `${p}: no loadgate results (*.json with "kind": "loadgate.result") in this folder`, { hint: 'results are written by `loadgate run` into reports/' });
    } else {
      results.push(validate(await readStructuredFile(abs, p), p));
      files.push(p);
    }
  }
  return { results, files };
}

/**
 * A gate must not pass on numbers that cannot be trusted: an interrupted run, or a saturated generator.
 * Says which inputs and returns true when there are any.
 */
export function refuseUntrustworthy(io: CliIO, command: string, sides: Array<{ results: RunResult[]; files: string[] }>): boolean {
  const problems = sides
    .flatMap((side) => side.results.map((r, i) => [r, side.files[i] ?? r.meta.suite] as const))
    .map(([r, f]) => (r.meta.incomplete ? `${f}: incomplete (${r.meta.incomplete.reason})` : r.generator?.saturated ? `${f}: the load generator was saturated` : undefined))
    .filter((x): x is string => x !== undefined);
  if (problems.length === 0) return false;
  io.stderr.write(`loadgate ${command}: cannot clear the gate on untrustworthy input:\n${problems.map((u) => `  ${u}`).join('\n')}\nhint: re-run those results (complete, with a generator that keeps up), or gate without --fail-on\n`);
  return true;
}

function isResultLike(data: unknown): boolean {
  return data !== null && typeof data === 'object' && (data as { kind?: unknown }).kind === 'loadgate.result';
}

function validate(data: unknown, file: string): RunResult {
  if (!isResultLike(data)) {
    throw new InputError('LG_RESULT_INVALID', `${file}: (root): not a loadgate result (expected "kind": "loadgate.result")`, { hint: 'give a result.json written by `loadgate run`' });
  }
  return parseResult(file, data);
}
