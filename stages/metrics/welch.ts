// Welch's unequal-variance t-test and t-based confidence intervals. The comparison group enters
// with its effective sample size, so heavy ATT weights widen its interval as they should.
import { tQuantile, tTwoSidedP } from './tdist.ts';
import type { GroupSummary } from './weighted.ts';

export interface Interval {
  lower: number;
  upper: number;
}

export interface WelchResult extends Interval {
  estimate: number;
  se: number;
  df: number;
  t: number;
  p: number;
}

/** Two-sided (1 - alpha) CI of one group's mean, on nEffective - 1 degrees of freedom. */
export function meanInterval(g: GroupSummary, confidence = 0.95): Interval | null {
  if (!(g.nEffective > 1) || !Number.isFinite(g.variance)) return null;
  const se = Math.sqrt(g.variance / g.nEffective);
  if (se === 0) return { lower: g.mean, upper: g.mean };
  const q = tQuantile(1 - (1 - confidence) / 2, g.nEffective - 1);
  return { lower: g.mean - q * se, upper: g.mean + q * se };
}

/**
 * Difference a - b with Welch–Satterthwaite degrees of freedom. Null when either group has fewer
 * than two (effective) observations. When both groups are constant the difference is exact:
 * p = 1 if it is zero, else 0, and the interval collapses to the point.
 */
export function welch(a: GroupSummary, b: GroupSummary, confidence = 0.95): WelchResult | null {
  if (!(a.nEffective > 1 && b.nEffective > 1)) return null;
  if (!Number.isFinite(a.variance) || !Number.isFinite(b.variance)) return null;
  const estimate = a.mean - b.mean;
  const va = a.variance / a.nEffective;
  const vb = b.variance / b.nEffective;
  const se = Math.sqrt(va + vb);
  if (se === 0) {
    return { estimate, se: 0, df: a.nEffective + b.nEffective - 2, t: estimate === 0 ? 0 : Math.sign(estimate) * Infinity, p: estimate === 0 ? 1 : 0, lower: estimate, upper: estimate };
  }
  const df = ((va + vb) * (va + vb)) / ((va * va) / (a.nEffective - 1) + (vb * vb) / (b.nEffective - 1));
  const t = estimate / se;
  const q = tQuantile(1 - (1 - confidence) / 2, df);
  return { estimate, se, df, t, p: tTwoSidedP(t, df), lower: estimate - q * se, upper: estimate + q * se };
}
