// Group summaries for one outcome: the plain treatment group and the ATT-weighted comparison
// group. Sums run in array order (the stage orders rows by event_id) with Neumaier compensation,
// so the result is both accurate and bit-for-bit repeatable.

export interface GroupSummary {
  /** Rows in the group (unweighted), as displayed. */
  n: number;
  /** Sum of the weights (= n for an unweighted group). */
  weightSum: number;
  /** Effective sample size (Σw)² / Σw² (= n for an unweighted group). */
  nEffective: number;
  mean: number;
  /** Unbiased variance estimate; NaN when fewer than two (effective) observations. */
  variance: number;
}

/** Compensated (Neumaier) running sum: order-fixed and far less sensitive to cancellation. */
export class Sum {
  private s = 0;
  private c = 0;
  add(x: number): void {
    const t = this.s + x;
    if (Math.abs(this.s) >= Math.abs(x)) this.c += this.s - t + x;
    else this.c += x - t + this.s;
    this.s = t;
  }
  get value(): number {
    return this.s + this.c;
  }
}

export function sum(xs: ArrayLike<number>): number {
  const s = new Sum();
  for (let i = 0; i < xs.length; i++) s.add(xs[i]!);
  return s.value;
}

/** Plain sample mean and variance (n - 1 denominator). */
export function unweightedSummary(xs: ArrayLike<number>): GroupSummary {
  const n = xs.length;
  if (n === 0) return { n: 0, weightSum: 0, nEffective: 0, mean: NaN, variance: NaN };
  const mean = sum(xs) / n;
  const ss = new Sum();
  for (let i = 0; i < n; i++) {
    const d = xs[i]! - mean;
    ss.add(d * d);
  }
  return { n, weightSum: n, nEffective: n, mean, variance: n > 1 ? ss.value / (n - 1) : NaN };
}

/**
 * Weighted mean and variance. The variance is the weighted second moment scaled by
 * nEff / (nEff - 1), the effective-sample-size analogue of Bessel's correction: with all
 * weights equal it reduces exactly to the unweighted sample variance, and the standard error of
 * the weighted mean is then sqrt(variance / nEff).
 */
export function weightedSummary(xs: ArrayLike<number>, ws: ArrayLike<number>): GroupSummary {
  if (xs.length !== ws.length) throw new Error('values and weights differ in length');
  const n = xs.length;
  const sw = new Sum();
  const sw2 = new Sum();
  const swx = new Sum();
  for (let i = 0; i < n; i++) {
    const w = ws[i]!;
    if (!(w >= 0) || !Number.isFinite(w)) throw new RangeError(`weight ${i} is negative or not finite`);
    sw.add(w);
    sw2.add(w * w);
    swx.add(w * xs[i]!);
  }
  const weightSum = sw.value;
  if (n === 0 || weightSum === 0) return { n, weightSum, nEffective: 0, mean: NaN, variance: NaN };
  const mean = swx.value / weightSum;
  const nEffective = (weightSum * weightSum) / sw2.value;
  const ss = new Sum();
  for (let i = 0; i < n; i++) {
    const d = xs[i]! - mean;
    ss.add(ws[i]! * d * d);
  }
  const moment = ss.value / weightSum;
  const variance = nEffective > 1 ? (moment * nEffective) / (nEffective - 1) : NaN;
  return { n, weightSum, nEffective, mean, variance };
}
