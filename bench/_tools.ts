/** Small helpers the benchmarks share (not a benchmark: files starting with _ are skipped by bench/index.ts). */
import { execFileSync } from 'node:child_process';

/** Whether a command is on PATH (taskset, wrk). */
export function has(cmd: string): boolean {
  try {
    execFileSync('which', [cmd], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
