/**
 * Can the run's numbers be trusted at all? (issue #13, #14). Pure: a RunResult in, the causes out.
 *
 * An SLA verdict on numbers the run itself distrusts is no verdict: a run that was interrupted, measured
 * nothing, or whose target stopped answering is `incomplete`; a run whose load generator was saturated (it, not
 * the target, limited the run), or that sent more arrivals late than the tolerance because the generator was
 * behind, is `untrustworthy`. Either ends as exit 3 in every output, never as PASS, unless the suite
 * (`sla.acceptUntrustworthy: true`) or the CLI (`--accept-untrustworthy`) accepts an untrustworthy run; an
 * incomplete one is never accepted. Each cause reads as one short sentence.
 */
import type { RunResult } from '../result/model.js';
import { endpointStats, measuredWindow } from '../result/stats.js';

export type TrustCause = 'interrupted' | 'no-data' | 'target-lost' | 'saturated' | 'late-arrivals';

export interface TrustIssue {
  cause: TrustCause;
  /** `incomplete` issues are never accepted; `untrustworthy` ones may be (acceptUntrustworthy). */
  level: 'incomplete' | 'untrustworthy';
  /** One short sentence a reader understands without the rest of the report. */
  sentence: string;
}

/** Seconds at the end of the measured window in which nothing answered, for the target to count as lost. */
export const TARGET_LOST_SEC = 3;

const fmt = (n: number) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
const round = (n: number, d = 1) => Number(n.toFixed(d));

/**
 * The saturation reason `assessGenerator` (src/engines/generator-health.ts) writes for arrivals the generator
 * itself sent late: it is its own cause here, so it gets its own sentence.
 */
const LATE_ARRIVALS_REASON = /^(\d+) of (\d+) arrivals \(([\d.]+)%\) were late or dropped because the generator was behind/;

/** The short head of a generator reason (`event-loop lag p99 80 ms > 50 ms: the generator …` → before the colon). */
function shortReason(r: string): string {
  const head = r.split(':')[0]!.trim();
  // `event loop stalled: for 1.13% of the run (…)`: the share is the number that matters.
  const share = /^event loop stalled: for ([\d.]+)% of the run/.exec(r);
  if (share) return `event loop stalled ${share[1]}% of the run`;
  return head.length > 0 ? head : r;
}

export function assessTrust(result: RunResult): TrustIssue[] {
  const issues: TrustIssue[] = [];
  const m = result.meta;
  if (m.incomplete) {
    const reason = m.incomplete.reason.replace(/[.\s]+$/, '');
    const stopped = /stopped by the user|aborted|interrupted|SIG[A-Z]+/i.test(reason);
    issues.push({ cause: 'interrupted', level: 'incomplete', sentence: stopped ? `The run was interrupted (${reason}).` : `The run did not complete: ${reason}.` });
  }

  const win = measuredWindow(result);
  const eps = Object.entries(result.endpoints);
  const measuredSec = Math.min(win.toSec, m.durationSec) - win.fromSec;
  const hasSeries = eps.some(([, e]) => e.series.length > 0);
  const measured = eps.filter(([, e]) => e.kind !== 'probe').reduce((a, [n, e]) => a + endpointStats(n, e, m.durationSec, win).requests, 0);
  if (hasSeries && measuredSec <= 0) {
    issues.push({
      cause: 'no-data',
      level: 'incomplete',
      sentence: m.warmupSec > 0 ? `The run measured nothing: its ${round(m.durationSec)} s ended within the ${round(m.warmupSec)} s warm-up.` : `The run measured nothing: it lasted ${round(m.durationSec)} s.`,
    });
  } else if (measured === 0 && !eps.some(([, e]) => e.kind !== 'probe' && e.latencySummaryMs !== undefined)) {
    // (A k6 summary may carry percentiles without per-endpoint counts: that is not "nothing measured".)
    issues.push({ cause: 'no-data', level: 'incomplete', sentence: 'The run measured nothing: no request or message in the measured window.' });
  } else {
    const lostAt = targetLostAtSec(result, win.fromSec, Math.min(win.toSec, Math.ceil(m.durationSec)));
    if (lostAt !== undefined) issues.push({ cause: 'target-lost', level: 'incomplete', sentence: `Target lost: nothing answered from t = ${lostAt} s to the end of the run.` });
  }

  const g = result.generator;
  if (g?.saturated) {
    const others: string[] = [];
    for (const r of g.reasons) {
      const late = LATE_ARRIVALS_REASON.exec(r);
      if (late) {
        issues.push({ cause: 'late-arrivals', level: 'untrustworthy', sentence: `${fmt(Number(late[1]))} of ${fmt(Number(late[2]))} arrivals (${late[3]}%) left late because the generator was behind.` });
      } else others.push(shortReason(r));
    }
    // Several workloads each report their event loop: one phrase per kind of reason, the worst one.
    const byKind = new Map<string, string>();
    const size = (x: string) => Number(/\s([\d.]+)/.exec(x)?.[1] ?? 0);
    for (const o of others) {
      const kind = o.replace(/[\d.]+/g, '#');
      const prev = byKind.get(kind);
      if (prev === undefined || size(o) > size(prev)) byKind.set(kind, o);
    }
    const uniq = [...byKind.values()];
    if (uniq.length > 0 || !issues.some((i) => i.cause === 'late-arrivals')) {
      issues.push({ cause: 'saturated', level: 'untrustworthy', sentence: `The load generator was saturated${uniq.length > 0 ? ` (${uniq.join('; ')})` : ''}, so latencies include its own stalls.` });
    }
  }
  return issues;
}

/**
 * The second from which nothing answered, when that lasts the final `TARGET_LOST_SEC` seconds of the window:
 * every HTTP request and health probe failed without a response (refused, reset, timed out) and no stream
 * message arrived. Seconds with no traffic at all neither extend nor break the streak.
 */
function targetLostAtSec(result: RunResult, fromSec: number, toSec: number): number | undefined {
  const answered = new Map<number, number>();
  const unanswered = new Map<number, number>();
  for (const ep of Object.values(result.endpoints)) {
    for (const p of ep.series) {
      if (p.tSec < fromSec || p.tSec >= toSec) continue;
      if (ep.kind === 'ws') {
        if (p.requests > 0) answered.set(p.tSec, (answered.get(p.tSec) ?? 0) + p.requests);
        continue;
      }
      const noAnswer = (p.errors.network ?? 0) + (p.errors.timeout ?? 0);
      unanswered.set(p.tSec, (unanswered.get(p.tSec) ?? 0) + noAnswer);
      answered.set(p.tSec, (answered.get(p.tSec) ?? 0) + Math.max(0, p.requests - noAnswer));
    }
  }
  // Walk only the seconds that hold data (a result with far-apart timestamps must not cost a loop per second).
  const seconds = [...new Set([...answered.keys(), ...unanswered.keys()])].sort((a, b) => b - a);
  let start: number | undefined;
  let dead = 0;
  for (const t of seconds) {
    if ((answered.get(t) ?? 0) > 0) break;
    if ((unanswered.get(t) ?? 0) > 0) {
      start = t;
      dead++;
    }
  }
  if (start === undefined) return undefined;
  const span = toSec - start;
  return span >= TARGET_LOST_SEC && dead >= Math.min(TARGET_LOST_SEC, span) ? start : undefined;
}
