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
import { runSegments, type SharedArray } from '../../src/parallel.ts';

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

interface ColumnMoments {
  tBefore: Moments;
  cBefore: Moments;
  tAfter: Moments;
  cAfter: Moments;
  binary: boolean;
}

// Four groups: 0 treated before, 1 comparison before (unit weights), 2 treated after,
// 3 comparison after (weights w, rows with w = 0 left out). Two passes over the rows for all
// columns at once, as segment kernels (src/parallel.ts): the first sums weights and weighted
// values, the second the weighted squared deviations from the first pass's means.
// arrays = [treat, w, x_1 .. x_p].

/**
 * out: sum w [4], sum w² [4] (groups 0 and 1 count rows), the rows with a weight after matching
 * [treated, comparison], then per column j at 10 + 5j: sum w x [4] and the number of values other
 * than 0 and 1.
 */
function sumsKernel(arrays: SharedArray[], _params: Float64Array, start: number, end: number, out: Float64Array): void {
  const treat = arrays[0]!;
  const w = arrays[1]!;
  const p = arrays.length - 2;
  for (let i = start; i < end; i++) {
    const c = treat[i] ? 0 : 1;
    out[c] += 1;
    const wi = w[i]!;
    if (wi !== 0) {
      out[c + 2] += wi;
      out[c + 6] += wi * wi;
      out[c + 8] += 1;
    }
  }
  for (let j = 0; j < p; j++) {
    const x = arrays[j + 2]!;
    const o = 10 + 5 * j;
    let t0 = 0, t1 = 0, t2 = 0, t3 = 0, other = 0;
    for (let i = start; i < end; i++) {
      const v = x[i]!;
      if (v !== 0 && v !== 1) other++;
      const wi = w[i]!;
      if (treat[i]) {
        t0 += v;
        if (wi !== 0) t2 += wi * v;
      } else {
        t1 += v;
        if (wi !== 0) t3 += wi * v;
      }
    }
    out[o] = t0;
    out[o + 1] = t1;
    out[o + 2] = t2;
    out[o + 3] = t3;
    out[o + 4] = other;
  }
}

/** params: per column j at 5j, the four group means and 1 if the column is binary (skipped). out: per column, sum w (x - mean)² [4]. */
function squaresKernel(arrays: SharedArray[], params: Float64Array, start: number, end: number, out: Float64Array): void {
  const treat = arrays[0]!;
  const w = arrays[1]!;
  const p = arrays.length - 2;
  for (let j = 0; j < p; j++) {
    if (params[5 * j + 4]) continue; // a 0/1 covariate needs no variance: p(1 - p), no variance ratio
    const x = arrays[j + 2]!;
    const m0 = params[5 * j]!, m1 = params[5 * j + 1]!, m2 = params[5 * j + 2]!, m3 = params[5 * j + 3]!;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (let i = start; i < end; i++) {
      const v = x[i]!;
      const wi = w[i]!;
      if (treat[i]) {
        s0 += (v - m0) * (v - m0);
        if (wi !== 0) s2 += wi * (v - m2) * (v - m2);
      } else {
        s1 += (v - m1) * (v - m1);
        if (wi !== 0) s3 += wi * (v - m3) * (v - m3);
      }
    }
    out[4 * j] = s0;
    out[4 * j + 1] = s1;
    out[4 * j + 2] = s2;
    out[4 * j + 3] = s3;
  }
}

interface GroupTotals {
  columns: ColumnMoments[];
  /** Sum of weights per group (rows for groups 0 and 1). */
  sw: Float64Array;
  sw2: Float64Array;
  /** Rows with a weight after matching: treated, comparison. */
  matched: [number, number];
}

/** Weighted means and MatchIt's weighted variances of every column in the four groups. */
function groupMoments(columns: Float64Array[], treat: Uint8Array, w: Float64Array): GroupTotals {
  const p = columns.length;
  const arrays = [treat, w, ...columns];
  const first = runSegments({ kernel: sumsKernel }, arrays, [], treat.length, 10 + 5 * p);
  const totals = new Float64Array(10 + 5 * p);
  for (let s = 0; s < first.segments; s++) for (let k = 0; k < totals.length; k++) totals[k] += first.partials[s * totals.length + k]!;
  const sw = totals.slice(0, 4);
  const sw2 = totals.slice(4, 8);
  sw2[0] = sw[0]!;
  sw2[1] = sw[1]!;
  const params = new Float64Array(5 * p);
  for (let j = 0; j < p; j++) {
    for (let g = 0; g < 4; g++) params[5 * j + g] = totals[10 + 5 * j + g]! / sw[g]!;
    params[5 * j + 4] = totals[10 + 5 * j + 4] === 0 ? 1 : 0;
  }
  const second = runSegments({ kernel: squaresKernel }, arrays, params, treat.length, 4 * p);
  const ss = new Float64Array(4 * p);
  for (let s = 0; s < second.segments; s++) for (let k = 0; k < ss.length; k++) ss[k] += second.partials[s * ss.length + k]!;
  const moment = (j: number, g: number): Moments => {
    if (sw[g] === 0) return { mean: NaN, variance: NaN };
    const denom = sw[g]! - sw2[g]! / sw[g]!;
    return { mean: params[5 * j + g]!, variance: denom > 0 ? ss[4 * j + g]! / denom : 0 };
  };
  return {
    columns: columns.map((_, j) => ({ tBefore: moment(j, 0), cBefore: moment(j, 1), tAfter: moment(j, 2), cAfter: moment(j, 3), binary: params[5 * j + 4] === 1 })),
    sw,
    sw2,
    matched: [totals[8]!, totals[9]!],
  };
}

/** Mean and variance (n - 1) of all rows (the SMD's fallback denominator; matching's caliper scale). */
export function sampleMoments(x: Float64Array): Moments {
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
  const moments = groupMoments(columns.map((c) => c.values), treat, weightAfter);
  for (const [j, column] of columns.entries()) {
    const x = column.values;
    const { tBefore, cBefore, tAfter, cAfter, binary } = moments.columns[j]!;
    let denom = binary ? Math.sqrt(tBefore.mean * (1 - tBefore.mean)) : Math.sqrt(tBefore.variance);
    if (!(denom > 0)) {
      const all = sampleMoments(x);
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
  // Sizes from the first pass's totals (comparison weights are the after-matching group 3).
  const { sw, sw2, matched } = moments;
  return {
    rows,
    maxAbsSmdBefore: maxBefore,
    maxAbsSmdAfter: maxAfter,
    flags,
    thresholds,
    sampleSizes: {
      before: { treated: sw[0]!, comparison: sw[1]! },
      after: { treated: matched[0], comparison: matched[1], comparisonEffective: sw2[3]! > 0 ? (sw[3]! * sw[3]!) / sw2[3]! : 0, comparisonWeightSum: sw[3]! },
    },
  };
}
