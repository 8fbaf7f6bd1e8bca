/**
 * The example GitHub workflows are valid YAML, run on the triggers they claim, and every `npx --no -- loadgate …`
 * they run names a command and options the CLI has (checked against each command's own --help), on suite
 * files that exist.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';

const ROOT = join(import.meta.dirname, '../..');
const WORKFLOWS = ['nightly.yml', 'pr-gate.yml'];

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
  'working-directory'?: string;
}
interface Workflow {
  name: string;
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  jobs: Record<string, { 'runs-on': string; steps: Step[]; 'timeout-minutes'?: number }>;
}

function load(file: string): Workflow {
  return parse(readFileSync(join(ROOT, '.github/workflows', file), 'utf8')) as Workflow;
}

function steps(w: Workflow): Step[] {
  return Object.values(w.jobs).flatMap((j) => j.steps);
}

/** Every `npx --no -- loadgate <command> <args…>` in the workflow's run scripts, with the step it is in. */
function invocations(w: Workflow): Array<{ step: Step; args: string[] }> {
  const out: Array<{ step: Step; args: string[] }> = [];
  for (const step of steps(w)) {
    for (const line of (step.run ?? '').split('\n')) {
      // A bare `npx loadgate` would ask the public registry for an unclaimed name when run outside the repo
      // (issue 14 item 8): every invocation must say --no.
      expect(line, `step "${step.name}" runs npx loadgate without --no`).not.toMatch(/\bnpx loadgate\b/);
      const m = /\bnpx --no -- loadgate\s+(.*)$/.exec(line.trim());
      if (m) out.push({ step, args: [...m[1]!.matchAll(/"[^"]*"|'[^']*'|\S+/g)].map((a) => a[0]) });
    }
  }
  return out;
}

async function help(args: string[]): Promise<string> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let text = '';
  stdout.on('data', (d: Buffer) => (text += d.toString()));
  const code = await main(args, { stdout, stderr, env: {}, cwd: ROOT, signal: new AbortController().signal });
  expect(code).toBe(0);
  return text;
}

describe('example workflows', () => {
  for (const file of WORKFLOWS) {
    it(`${file} is valid YAML with jobs of steps, each a uses or a run`, () => {
      const w = load(file);
      expect(w.name).toEqual(expect.any(String));
      expect(Object.keys(w.jobs).length).toBeGreaterThan(0);
      for (const job of Object.values(w.jobs)) {
        expect(job['runs-on']).toEqual(expect.any(String));
        expect(job['timeout-minutes']).toBeGreaterThan(0);
        for (const s of job.steps) expect(Boolean(s.uses) !== Boolean(s.run)).toBe(true);
        for (const s of job.steps) if (s.uses) expect(s.uses).toMatch(/^[\w-]+\/[\w/-]+@v\d+$/);
        expect(job.steps.some((s) => s.run === 'npm ci' || /npm ci/.test(s.run ?? ''))).toBe(true);
      }
    });

    it(`${file} runs only loadgate commands and options that exist, on suites that exist`, async () => {
      const top = await help(['--help']);
      const calls = invocations(load(file));
      expect(calls.length).toBeGreaterThan(0);
      for (const { step, args } of calls) {
        const [command, ...rest] = args;
        expect(top, `loadgate ${command}`).toMatch(new RegExp(`^  ${command}\\s`, 'm'));
        const usage = await help([command!, '--help']);
        for (const flag of rest.filter((a) => a.startsWith('--'))) expect(usage, `loadgate ${command} ${flag}`).toContain(`${flag} `);
        // A step's working directory (pr-gate's base/ and pr/) is a checkout of this repository.
        for (const suite of rest.filter((a) => a.endsWith('.suite.yaml'))) expect(existsSync(join(ROOT, suite)), `${step.name ?? 'step'}: ${suite}`).toBe(true);
      }
    });
  }

  it('nightly.yml runs on a schedule, keeps a history, downloads the previous result, compares with --fail-on regression and uploads the reports', () => {
    const w = load('nightly.yml');
    expect((w.on.schedule as Array<{ cron: string }>)[0]!.cron).toMatch(/^\S+ \S+ \* \* \*$/);
    const calls = invocations(w).map((c) => c.args.join(' '));
    expect(calls.some((c) => /^run \S+ .*--history history/.test(c))).toBe(true);
    expect(calls.some((c) => /^compare previous\/result\.json reports\/nightly\/result\.json .*--fail-on regression/.test(c))).toBe(true);
    expect(calls.some((c) => /^trend history/.test(c))).toBe(true);
    const all = steps(w);
    expect(all.some((s) => /gh run download .*--name loadgate-nightly/.test(s.run ?? ''))).toBe(true);
    const upload = all.find((s) => s.uses?.startsWith('actions/upload-artifact@'))!;
    expect(upload.with!.name).toBe('loadgate-nightly');
    expect(w.permissions?.actions).toBe('read');
  });

  it('pr-gate.yml runs on pull requests: the SLA gate on the PR, and compare --fail-on regression against its base on the same runner', () => {
    const w = load('pr-gate.yml');
    expect(w.on).toHaveProperty('pull_request');
    const calls = invocations(w);
    const runs = calls.filter((c) => c.args[0] === 'run');
    expect(runs.map((c) => c.step['working-directory'])).toEqual(['base', 'pr']);
    const cmp = calls.find((c) => c.args[0] === 'compare')!;
    expect(cmp.args).toEqual(expect.arrayContaining(['../reports/base/result.json', '../reports/pr/result.json', '--fail-on', 'regression']));
  });
});
