/**
 * `run --prometheus-push`: the zero snapshot before the run, the run's metrics after its reports are written.
 * A failed push never loses the run: the reports are on disk first, and the failure is printed as one clear line.
 */
import { renderPrometheus } from '../report/prometheus.js';
import type { Report } from '../report/model.js';
import type { SlaPlan } from '../sla/checks.js';
import type { Suite } from '../suite/schema.js';
import { parsePushUrl, pushMetrics, pushUrl, runPushTarget, zeroSnapshot, PushError } from './push.js';

export interface RunPush {
  /** Push the run's metrics; prints success or the failure. Resolves true when pushed. */
  finish(report: Report): Promise<boolean>;
}

export async function startRunPush(io: { stderr: { write(s: string): unknown } }, url: string, job: string, suite: Suite, plan: SlaPlan, label: string | undefined): Promise<RunPush> {
  const base = parsePushUrl(url).toString();
  const target = runPushTarget(base, job, suite.name ?? 'suite', label);
  const fail = (when: string, e: unknown) =>
    io.stderr.write(`loadgate run: --prometheus-push: ${when}: ${e instanceof PushError ? e.message : String((e as Error)?.message ?? e)}\n`);
  try {
    await pushMetrics(target, zeroSnapshot(suite, plan, new Date().toISOString()));
  } catch (e) {
    fail('the start-of-run push failed (the run goes on; rate() will miss the first run in this group)', e);
  }
  return {
    async finish(report) {
      try {
        await pushMetrics(target, renderPrometheus(report));
        io.stderr.write(`loadgate: pushed the run's metrics to ${pushUrl(target)}\n`);
        return true;
      } catch (e) {
        fail(`could not push the run's metrics; the reports are written in ${report.reportDir ?? 'the report folder'}`, e);
        return false;
      }
    },
  };
}
