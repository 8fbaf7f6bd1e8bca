/**
 * The packed, installed CLI: what users of the package meet (STYLE.md habit 11, issue 9).
 *
 * `installPacked()` builds the package in a staging copy of the repository's files, as a fresh clone has them
 * (so the repository's own dist/ is never rewritten
 * under tests that run beside it), `npm pack`s it, and installs the tarball into a fresh project under
 * os.tmpdir(). It runs once per test process (the promise is shared); `cleanup()` removes everything.
 * Commands then run from that project through the installed bin, `node_modules/.bin/loadgate`, never through
 * a bare `npx loadgate`, which may ask the public registry for a package of that name (issue 14, item 8).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { copyFile, cp, mkdir, mkdtemp, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { CliRun } from './cli.js';

export const REPO_ROOT = resolve(import.meta.dirname, '../..');

export interface PackedInstall {
  /** The temp project that installed the tarball (cwd of every command). */
  projectDir: string;
  /** The installed package: <projectDir>/node_modules/loadgate. */
  packageDir: string;
  /** <projectDir>/node_modules/.bin/loadgate. */
  bin: string;
  /** The tarball `npm pack` wrote. */
  tarball: string;
  /** Run the installed CLI (`loadgate …args`) from the project and collect its output. */
  run(args: string[], opts?: RunOptions): Promise<CliRun>;
  /** Start the installed CLI and return the child (for long-running commands: `mock`, an interrupted `run`). */
  start(args: string[], opts?: Omit<RunOptions, 'timeoutMs'>): ChildProcess;
  /** Remove the staging copy, the tarball and the project. */
  cleanup(): Promise<void>;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Kill (SIGKILL) after this long. Default 60 s. */
  timeoutMs?: number;
}

/** Run a command to completion; reject with its output on a non-zero exit. */
export function exec(cmd: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<CliRun> {
  return new Promise((res, rej) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      rej(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) res({ code, stdout, stderr });
      else rej(new Error(`${cmd} ${args.join(' ')} exited ${code}\n${stdout}\n${stderr}`));
    });
  });
}

/**
 * The files of a fresh clone: tracked and untracked-but-not-ignored files of the working tree (so .gitignore,
 * which `npm pack` honours where package.json has no `files`, comes along, and so does a file not yet committed).
 */
async function sourceFiles(): Promise<string[]> {
  const r = await exec('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO_ROOT });
  return r.stdout.split('\0').filter((f) => f !== '' && existsSync(join(REPO_ROOT, f)) && statSync(join(REPO_ROOT, f)).isFile());
}

/** The repository's dist/ was built after every file it is built from last changed (tsc rewrites all outputs). */
async function freshDist(): Promise<boolean> {
  const mtimes = async (dir: string, keep: (f: string) => boolean): Promise<number[]> => {
    const out: number[] = [];
    for (const e of await readdir(join(REPO_ROOT, dir), { recursive: true, withFileTypes: true }).catch(() => [])) {
      if (e.isFile() && keep(e.name)) out.push((await stat(join(e.parentPath, e.name))).mtimeMs);
    }
    return out;
  };
  const built = await mtimes('dist', (f) => f.endsWith('.js'));
  if (built.length === 0) return false;
  const sources = [...(await mtimes('src', () => true)), ...(await mtimes('mocks', () => true))];
  for (const f of ['tsconfig.json', 'tsconfig.build.json', 'package.json']) sources.push((await stat(join(REPO_ROOT, f))).mtimeMs);
  return Math.min(...built) > Math.max(...sources);
}

async function pack(stage: string): Promise<string> {
  await mkdir(stage, { recursive: true });
  for (const f of await sourceFiles()) {
    await mkdir(dirname(join(stage, f)), { recursive: true });
    await copyFile(join(REPO_ROOT, f), join(stage, f));
  }
  // The build needs the dev dependencies (typescript, @types/*): borrow the repository's.
  await symlink(join(REPO_ROOT, 'node_modules'), join(stage, 'node_modules'), 'dir');
  // What `npm pack` runs as `prepare` (tsc -p tsconfig.build.json), run here so the pack itself can skip
  // scripts; a dist/ that `npm ci` just built from these very sources is reused instead (saves ~10 s).
  if (await freshDist()) await cp(join(REPO_ROOT, 'dist'), join(stage, 'dist'), { recursive: true });
  else await exec(process.execPath, [join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: stage });
  const out = join(stage, '..');
  await exec('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', out], { cwd: stage });
  const tgz = (await readdir(out)).find((f) => f.endsWith('.tgz'));
  if (!tgz) throw new Error(`npm pack wrote no tarball in ${out}`);
  return join(out, tgz);
}

function childEnv(extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  // The repository's node_modules/.bin must not be on PATH: only the project's own install may answer.
  const path = (process.env.PATH ?? '')
    .split(':')
    .filter((d) => !d.startsWith(REPO_ROOT))
    .join(':');
  return { ...process.env, PATH: path, NO_COLOR: '1', npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false', ...extra };
}

async function create(): Promise<PackedInstall> {
  const root = await mkdtemp(join(tmpdir(), 'loadgate-packed-'));
  try {
    return await install(root);
  } catch (e) {
    await rm(root, { recursive: true, force: true }); // nothing is left behind when the build or install fails
    throw e;
  }
}

async function install(root: string): Promise<PackedInstall> {
  const tarball = await pack(join(root, 'stage', 'loadgate'));
  const projectDir = join(root, 'project');
  await mkdir(projectDir);
  await writeFile(join(projectDir, 'package.json'), `${JSON.stringify({ name: 'loadgate-packed-test', version: '1.0.0', private: true }, null, 2)}\n`);
  // --prefer-offline: the dependencies come from npm's cache (filled by `npm ci`) when they are there.
  await exec('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', tarball], { cwd: projectDir, env: childEnv(), timeoutMs: 180_000 });
  const bin = join(projectDir, 'node_modules', '.bin', 'loadgate');
  const start = (args: string[], opts: Omit<RunOptions, 'timeoutMs'> = {}): ChildProcess =>
    spawn(bin, args, { cwd: opts.cwd ?? projectDir, env: childEnv(opts.env), stdio: ['ignore', 'pipe', 'pipe'] });
  return {
    projectDir,
    packageDir: join(projectDir, 'node_modules', 'loadgate'),
    bin,
    tarball,
    start,
    run: (args, opts = {}) =>
      new Promise((res, rej) => {
        const child = start(args, opts);
        let stdout = '';
        let stderr = '';
        child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
        const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
        child.on('error', rej);
        child.on('close', (code) => {
          clearTimeout(timer);
          res({ code, stdout, stderr });
        });
      }),
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}

let shared: Promise<PackedInstall> | undefined;

/** Pack and install once per test process; later calls get the same install. */
export function installPacked(): Promise<PackedInstall> {
  shared ??= create();
  return shared;
}

/** The environment the installed CLI runs with (PATH without the repository's node_modules/.bin). */
export { childEnv as packedEnv };
