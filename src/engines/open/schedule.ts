/**
 * When each arrival of an open-model workload is due. Pure: no clock, no timers.
 *
 * The rate profile is piecewise linear. The expected number of arrivals by time t is the integral of the
 * rate, N(t); arrival n is due when N(t) reaches its "unit time" u_n. Constant spacing uses u_n = n (the
 * first arrival at t = 0); Poisson spacing uses u_n = E_0 + … + E_n with E_k ~ Exp(1) from a seeded RNG
 * (a non-homogeneous Poisson process by time change). Intended times are solved from N(t) directly, so a
 * long run never accumulates timer error.
 */
import { mulberry32 } from '../../random.js';

export interface OpenLoadSpec {
  ratePerSec: number;
  durationSec?: number | undefined;
  stages?: ReadonlyArray<{ durationSec: number; targetRatePerSec: number }> | undefined;
  arrival: 'constant' | 'poisson';
}

interface Segment {
  startSec: number;
  durationSec: number;
  fromRate: number;
  toRate: number;
  /** N(startSec): arrivals expected before this segment. */
  startCount: number;
}

export interface RateProfile {
  segments: Segment[];
  /** Run length: `durationSec` when set, else the sum of the stages. */
  durationSec: number;
}

/**
 * Stages ramp linearly from the previous rate, starting at `ratePerSec`. With stages and `durationSec`
 * both set, `durationSec` is the run length: the stages are cut short, or the last rate is held.
 */
export function buildRateProfile(load: OpenLoadSpec): RateProfile {
  const segments: Segment[] = [];
  let t = 0;
  let count = 0;
  let rate = load.ratePerSec;
  const push = (durationSec: number, toRate: number): void => {
    if (durationSec <= 0) return;
    segments.push({ startSec: t, durationSec, fromRate: rate, toRate, startCount: count });
    count += ((rate + toRate) / 2) * durationSec;
    t += durationSec;
    rate = toRate;
  };
  for (const s of load.stages ?? []) push(s.durationSec, s.targetRatePerSec);
  const durationSec = load.durationSec ?? t;
  if (durationSec > t) push(durationSec - t, rate);
  return { segments, durationSec };
}

/** Expected arrivals in [0, tSec): the integral of the rate. */
export function expectedArrivals(p: RateProfile, tSec: number): number {
  const end = Math.min(tSec, p.durationSec);
  let n = 0;
  for (const s of p.segments) {
    if (end <= s.startSec) break;
    const tau = Math.min(end - s.startSec, s.durationSec);
    n = s.startCount + s.fromRate * tau + ((s.toRate - s.fromRate) / (2 * s.durationSec)) * tau * tau;
  }
  return n;
}

/** Peak arrival rate of the profile, per second. */
export function peakRatePerSec(p: RateProfile): number {
  let max = 0;
  for (const s of p.segments) max = Math.max(max, s.fromRate, s.toRate);
  return max;
}

/**
 * Solves N(t) = u for t, walking segments forward from `from` (callers ask for increasing u).
 * Returns undefined when u is not reached before the end of the run.
 */
class Inverter {
  private idx = 0;
  constructor(private readonly p: RateProfile) {}

  timeSecOf(u: number): number | undefined {
    const segs = this.p.segments;
    while (this.idx < segs.length) {
      const s = segs[this.idx]!;
      const a = (s.toRate - s.fromRate) / (2 * s.durationSec);
      const endCount = s.startCount + s.fromRate * s.durationSec + a * s.durationSec * s.durationSec;
      if (u < endCount) {
        const m = u - s.startCount;
        if (m <= 0) return s.startSec;
        // Root of a·τ² + r0·τ − m = 0 in the form that is stable for a → 0 and for r0 = 0.
        const disc = Math.max(0, s.fromRate * s.fromRate + 4 * a * m);
        const denom = s.fromRate + Math.sqrt(disc);
        if (denom <= 0) {
          this.idx++;
          continue;
        }
        const tau = (2 * m) / denom;
        return tau < s.durationSec ? s.startSec + tau : s.startSec + s.durationSec;
      }
      this.idx++;
    }
    return undefined;
  }
}

/**
 * Iterates the intended send times (ms since the run's start) of one worker's share of the arrivals:
 * arrival n belongs to worker `n % workerCount`. Every worker walks the same global sequence (same seed),
 * so together they send exactly the schedule a single generator would.
 */
export class ArrivalSchedule {
  private readonly inv: Inverter;
  private readonly rng: () => number;
  private n = 0;
  private u = 0;
  private done = false;

  constructor(
    private readonly profile: RateProfile,
    private readonly arrival: 'constant' | 'poisson',
    seed: number,
    private readonly workerIndex = 0,
    private readonly workerCount = 1,
  ) {
    this.inv = new Inverter(profile);
    this.rng = mulberry32(seed);
  }

  /** Global index of the arrival the last `next()` returned. */
  index = -1;

  private advance(): number | undefined {
    if (this.done) return undefined;
    if (this.arrival === 'constant') this.u = this.n;
    else this.u += -Math.log(1 - this.rng());
    this.n++;
    const tSec = this.inv.timeSecOf(this.u);
    if (tSec === undefined || tSec >= this.profile.durationSec) {
      this.done = true;
      return undefined;
    }
    return tSec * 1000;
  }

  /** Next intended time in ms since the run's start, or undefined when the schedule is exhausted. */
  next(): number | undefined {
    for (;;) {
      const t = this.advance();
      if (t === undefined) return undefined;
      if ((this.n - 1) % this.workerCount === this.workerIndex) {
        this.index = this.n - 1;
        return t;
      }
    }
  }
}
