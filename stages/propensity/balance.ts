// Covariate balance before and after matching, as MatchIt's summary() reports it for the ATT:
// - standardised mean difference SMD = (weighted treated mean - weighted comparison mean) / s,
//   where s is the treated group's standard deviation in the FULL (unmatched) sample, the same
//   denominator before and after, so the two are comparable; for a binary (0/1) covariate
//   s = sqrt(p(1-p)) with p the treated share in the full sample. If the treated have no
//   variation (s = 0) the pooled full-sample SD is used instead, and if that is 0 too, SMD = 0.
// - variance ratio (treated / comparison), for non-binary covariates only, with MatchIt's
//   weighted variance sum(w (x - m)²) / (sum(w) - sum(w²) / sum(w)), which is the usual n - 1
//   variance for unit weights;
// - weighted means of both groups.
// Flags from the JDL thresholds (methodology.md §6.4): |SMD| < 0.05 well matched, up to 0.10
// acceptable, above 0.10 poor.

export type BalanceFlag = 'well_matched' | 'acceptable' | 'poor';

export interface BalanceColumn {
  name: string;
  /** The covariate (term) this column belongs to, e.g. 'race' for 'race=black'. */
  term: string;
  values: Float64Array;
}

export interface BalanceSide {
  meanTreated: number;
  meanComparison: number;
  smd: number;
  /** Null for binary covariates, or when the comparison variance is 0. */
  varianceRatio: number | null;
}

export interface BalanceRow {
  covariate: string;
  term: string;
  binary: boolean;
  before: BalanceSide;
  after: BalanceSide;
  flag: BalanceFlag;
}

export interface BalanceSummary {
  rows: BalanceRow[];
  maxAbsSmdBefore: number;
  maxAbsSmdAfter: number;
  flags: Record<BalanceFlag, number>;
  thresholds: { wellMatched: number; acceptable: number };
  /** Sizes and effective sizes (sum w)² / sum w² of each group after matching. */
  sampleSizes: {
    before: { treated: number; comparison: number };
    after: { treated: number; comparison: number; comparisonEffective: number; comparisonWeightSum: number };
  };
}

export function flagFor(absSmd: number, wellMatched = 0.05, acceptable = 0.1): BalanceFlag {
  if (absSmd < wellMatched) return 'well_matched';
  if (absSmd <= acceptable) return 'acceptable';
  return 'poor';
}

interface Moments {
  mean: number;
  variance: number;
}

/**
 * Weighted means and MatchIt's weighted variances of x for four groups at once: treated and
 * comparison before matching (unit weights) and after (weights w, rows with w = 0 left out).
 * Two passes over the column, whatever the number of groups.
 */
function fourMoments(x: Float64Array, treat: Uint8Array, w: Float64Array): { tBefore: Moments; cBefore: Moments; tAfter: Moments; cAfter: Moments; binary: boolean } {
  const n = x.length;
  let binary = true;
  // Index g: 0 treated before, 1 comparison before, 2 treated after, 3 comparison after.
  const sw = new Float64Array(4), swx = new Float64Array(4), sw2 = new Float64Array(4), ss = new Float64Array(4);
  for (let i = 0; i < n; i++) {
    const v = x[i]!;
    if (v !== 0 && v !== 1) binary = false;
    const c = treat[i] ? 0 : 1;
    sw[c] += 1;
    swx[c] += v;
    const wi = w[i]!;
    if (wi !== 0) {
      sw[c + 2] += wi;
      swx[c + 2] += wi * v;
      sw2[c + 2] += wi * wi;
    }
  }
  sw2[0] = sw[0]!;
  sw2[1] = sw[1]!;
  const mean = Float64Array.from(swx, (s, g) => s / sw[g]!);
  // A 0/1 covariate needs no variance (its SMD uses p(1 - p) and it has no variance ratio).
  for (let i = 0; i < (binary ? 0 : n); i++) {
    const v = x[i]!;
    const c = treat[i] ? 0 : 1;
    const d = v - mean[c]!;
    ss[c] += d * d;
    const wi = w[i]!;
    if (wi !== 0) {
      const e = v - mean[c + 2]!;
      ss[c + 2] += wi * e * e;
    }
  }
  const moment = (g: number): Moments => {
    if (sw[g] === 0) return { mean: NaN, variance: NaN };
    const denom = sw[g]! - sw2[g]! / sw[g]!;
    return { mean: mean[g]!, variance: denom > 0 ? ss[g]! / denom : 0 };
  };
  return { tBefore: moment(0), cBefore: moment(1), tAfter: moment(2), cAfter: moment(3), binary };
}

/** Mean and variance (n - 1) of all rows, for the fallback denominator. */
function pooled(x: Float64Array): Moments {
  const n = x.length;
  let s = 0;
  for (let i = 0; i < n; i++) s += x[i]!;
  const mean = s / n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (x[i]! - mean) * (x[i]! - mean);
  return { mean, variance: n > 1 ? ss / (n - 1) : 0 };
}

export function balanceTable(
  columns: BalanceColumn[],
  treat: Uint8Array,
  weightAfter: Float64Array,
  thresholds: { wellMatched: number; acceptable: number } = { wellMatched: 0.05, acceptable: 0.1 },
): BalanceSummary {
  const rows: BalanceRow[] = [];
  for (const column of columns) {
    const x = column.values;
    const { tBefore, cBefore, tAfter, cAfter, binary } = fourMoments(x, treat, weightAfter);
    let denom = binary ? Math.sqrt(tBefore.mean * (1 - tBefore.mean)) : Math.sqrt(tBefore.variance);
    if (!(denom > 0)) {
      const all = pooled(x);
      denom = binary ? Math.sqrt(all.mean * (1 - all.mean)) : Math.sqrt(all.variance);
    }
    const smd = (t: number, c: number) => (denom > 0 ? (t - c) / denom : 0);
    const vr = (t: Moments, c: Moments) => (binary || !(c.variance > 0) ? null : t.variance / c.variance);
    const after: BalanceSide = { meanTreated: tAfter.mean, meanComparison: cAfter.mean, smd: smd(tAfter.mean, cAfter.mean), varianceRatio: vr(tAfter, cAfter) };
    rows.push({
      covariate: column.name,
      term: column.term,
      binary,
      before: { meanTreated: tBefore.mean, meanComparison: cBefore.mean, smd: smd(tBefore.mean, cBefore.mean), varianceRatio: vr(tBefore, cBefore) },
      after,
      flag: flagFor(Math.abs(after.smd), thresholds.wellMatched, thresholds.acceptable),
    });
  }
  const flags: Record<BalanceFlag, number> = { well_matched: 0, acceptable: 0, poor: 0 };
  let maxBefore = 0, maxAfter = 0;
  for (const r of rows) {
    flags[r.flag]++;
    if (Math.abs(r.before.smd) > maxBefore) maxBefore = Math.abs(r.before.smd);
    if (Math.abs(r.after.smd) > maxAfter) maxAfter = Math.abs(r.after.smd);
  }
  let nt = 0, nc = 0, ntAfter = 0, ncAfter = 0, sw = 0, sw2 = 0;
  for (let i = 0; i < treat.length; i++) {
    const w = weightAfter[i]!;
    if (treat[i]) {
      nt++;
      if (w > 0) ntAfter++;
    } else {
      nc++;
      if (w > 0) (ncAfter++, (sw += w), (sw2 += w * w));
    }
  }
  return {
    rows,
    maxAbsSmdBefore: maxBefore,
    maxAbsSmdAfter: maxAfter,
    flags,
    thresholds,
    sampleSizes: {
      before: { treated: nt, comparison: nc },
      after: { treated: ntAfter, comparison: ncAfter, comparisonEffective: sw2 > 0 ? (sw * sw) / sw2 : 0, comparisonWeightSum: sw },
    },
  };
}
