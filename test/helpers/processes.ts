/** Process probes for the signal tests. */
import { setTimeout as sleep } from 'node:timers/promises';

/** Whether a process exists (signal 0 probes without signalling). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Poll until `cond` holds, at most `maxMs`; returns whether it held. */
export async function until(cond: () => boolean | Promise<boolean>, maxMs: number, everyMs = 100): Promise<boolean> {
  const tries = Math.ceil(maxMs / everyMs);
  for (let i = 0; i < tries; i++) {
    if (await cond()) return true;
    await sleep(everyMs);
  }
  return cond();
}
