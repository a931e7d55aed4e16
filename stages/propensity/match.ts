// Matching on a one-dimensional distance (the logit of the propensity score by default), exactly
// within strata, producing ATT weights.
//
// Two methods:
//
// - 'caliper' (methodology.md §6.3, the JDL default): radius matching with replacement. Treated
//   row i is matched to every comparator j in its stratum with |d_i - d_j| <= caliper; k_i is the
//   number of them. Weights: treated 1; comparator j gets the sum over its treated i of 1/k_i.
//   These already sum to the number of matched treated (each matched treated contributes
//   k_i × 1/k_i = 1), which is the normalisation §6.3 asks for. Treated rows with k_i = 0 are off
//   common support: weight 0, counted. Both groups are sorted by distance within each stratum
//   (radix sort), each treated row's window is found by walking two pointers forward, and the
//   1/k_i contributions are added over windows with a difference array, so the cost is
//   O(n_c + n_t), not O(n_t × k).
//
// - 'nearest': greedy 1:k nearest neighbour as MatchIt's method = "nearest" does it (MatchIt
//   src/nn_matchC_vec.cpp): k rounds; in each round the treated rows, in descending order of
//   distance ("largest", MatchIt's default m.order; rows with equal distance in input order) each
//   take the nearest comparator still available; without replacement a comparator is used once,
//   with replacement a treated row never takes the same comparator twice. An optional caliper
//   limits the distance. Treated rows that get no match are off support.
//
//   Tie rule (the same as MatchIt's): within a stratum, all rows are laid on one line sorted by
//   distance, rows with equal distance in input order. A treated row's candidates are the nearest
//   available comparator to its left and to its right on that line; if both are equally far, the
//   left one wins, i.e. the smaller distance, or for equal distances the earlier input row.
//
//   Weights as MatchIt's for the ATT: treated 1 if matched; comparator j gets the sum over its
//   treated i of 1/k_i (k_i = matches of i), which sum to the number of matched treated.
//   (MatchIt then rescales comparator weights to sum to the number of distinct matched
//   comparators; we keep §6.3's scale. Weighted means and SMDs are unaffected by the scale.)
import { sharedFloat64 } from '../../src/parallel.ts';
import { sampleMoments } from './balance.ts';
import { argsortStable, sortByKey, type SortedRows } from './sort.ts';

export type MatchMethod = 'caliper' | 'nearest';

export interface MatchOptions {
  method: MatchMethod;
  /**
   * Caliper in standard deviations of the distance over all rows (as MatchIt's std.caliper).
   * Required for 'caliper'; optional (null = none) for 'nearest'.
   */
  caliper: number | null;
  /** Comparators per treated row, 'nearest' only. */
  ratio?: number;
  /** 'nearest' only: may a comparator be matched to several treated rows. */
  replace?: boolean;
}

export interface StratumCounts {
  stratum: number;
  treated: number;
  treatedMatched: number;
  comparison: number;
  comparisonMatched: number;
}

export interface MatchResult {
  /** Per row: treated 1 when matched else 0; comparators their ATT weight (0 when unused). */
  weight: Float64Array;
  /** Per row: for treated, the number of comparators matched; for comparators, the number of treated matched to them. */
  matches: Int32Array;
  /** The caliper on the distance scale (caliper × SD), or null. */
  caliperWidth: number | null;
  distanceSd: number;
  /** 'nearest' only: per treated row (input order), its matched comparator rows by round, -1 when none; row-major n_treated × ratio. */
  pairs: Int32Array | null;
  /** Treated rows in input order (the rows of `pairs`). */
  treatedRows: Int32Array;
  counts: {
    treated: number;
    treatedMatched: number;
    /** Treated with no comparator within the caliper / in their stratum: off common support. */
    treatedOffSupport: number;
    comparison: number;
    comparisonMatched: number;
    strata: StratumCounts[];
  };
}

/** One group's rows sorted by distance, grouped by stratum: stratum s holds positions start[s]..start[s+1]-1. */
interface Line {
  start: Int32Array;
  rows: Int32Array;
  /** The distance at each position (ascending within a stratum). */
  keys: Float64Array;
}

/** Sorted rows grouped by stratum; stable, so the distance order is kept within each stratum. */
function groupByStratum(sorted: SortedRows, stratum: Int32Array, nStrata: number): Line {
  const { rows, keys } = sorted;
  if (nStrata <= 1) return { start: Int32Array.from([0, rows.length]), rows, keys };
  const start = new Int32Array(nStrata + 1);
  for (let i = 0; i < rows.length; i++) start[stratum[rows[i]!]! + 1]++;
  for (let s = 0; s < nStrata; s++) start[s + 1] += start[s]!;
  const fill = start.slice(0, nStrata);
  const outRows = new Int32Array(rows.length);
  const outKeys = new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const p = fill[stratum[rows[i]!]!]!++;
    outRows[p] = rows[i]!;
    outKeys[p] = keys[i]!;
  }
  return { start, rows: outRows, keys: outKeys };
}

export function matchUnits(distance: Float64Array, treat: Uint8Array, stratum: Int32Array, options: MatchOptions): MatchResult {
  const n = distance.length;
  if (treat.length !== n || stratum.length !== n) throw new Error('matchUnits: arrays differ in length');
  const ratio = options.ratio ?? 1;
  if (options.method === 'caliper' && !(options.caliper !== null && options.caliper > 0)) throw new Error('caliper matching needs a positive caliper');
  if (options.caliper !== null && !(options.caliper > 0)) throw new Error('the caliper must be positive');
  if (!Number.isInteger(ratio) || ratio < 1) throw new Error('the ratio must be a positive whole number');

  let nStrata = 0;
  let nTreated = 0;
  for (let i = 0; i < n; i++) {
    if (stratum[i]! + 1 > nStrata) nStrata = stratum[i]! + 1;
    nTreated += treat[i]!;
  }
  const treatedRows = new Int32Array(nTreated);
  const comparisonRows = new Int32Array(n - nTreated);
  for (let i = 0, a = 0, b = 0; i < n; i++) {
    if (treat[i]) treatedRows[a++] = i;
    else comparisonRows[b++] = i;
  }
  const distanceSd = Math.sqrt(sampleMoments(distance).variance);
  const caliperWidth = options.caliper === null ? null : options.caliper * distanceSd;

  // Both groups sorted by distance (ties: input order), then grouped by stratum (stable). Treated
  // rows are then visited in ascending distance, so their places among the comparators are
  // found by walking forward (merge), not by a binary search per row.
  const comp = groupByStratum(sortByKey(comparisonRows, distance, true), stratum, nStrata);
  const tre = groupByStratum(sortByKey(treatedRows, distance), stratum, nStrata);
  // Shared memory: the balance reads the weights from worker threads (src/parallel.ts).
  const weight = sharedFloat64(n);
  const matches = new Int32Array(n);
  let pairs: Int32Array | null = null;

  if (options.method === 'caliper') {
    caliperMatch(tre, comp, caliperWidth!, weight, matches);
  } else {
    // Treated in descending distance, equal distances in input order. (With replacement the
    // order cannot change any match, as MatchIt also notes, so it is not computed.)
    let order: Int32Array = treatedRows;
    if (!(options.replace ?? false)) {
      const neg = new Float64Array(n);
      for (let i = 0; i < n; i++) neg[i] = -distance[i]!;
      order = argsortStable(treatedRows, neg);
    }
    pairs = nearestMatch(distance, order, treatedRows, tre, comp, caliperWidth, ratio, options.replace ?? false, weight, matches);
  }

  const strata: StratumCounts[] = [];
  for (let s = 0; s < nStrata; s++) strata.push({ stratum: s, treated: 0, treatedMatched: 0, comparison: 0, comparisonMatched: 0 });
  let treatedMatched = 0;
  let comparisonMatched = 0;
  for (let i = 0; i < n; i++) {
    const c = strata[stratum[i]!]!;
    if (treat[i]) {
      c.treated++;
      if (matches[i]! > 0) c.treatedMatched++, treatedMatched++;
    } else {
      c.comparison++;
      if (matches[i]! > 0) c.comparisonMatched++, comparisonMatched++;
    }
  }
  return {
    weight,
    matches,
    caliperWidth,
    distanceSd,
    pairs,
    treatedRows,
    counts: {
      treated: nTreated,
      treatedMatched,
      treatedOffSupport: nTreated - treatedMatched,
      comparison: n - nTreated,
      comparisonMatched,
      strata,
    },
  };
}

function caliperMatch(tre: Line, comp: Line, width: number, weight: Float64Array, matches: Int32Array): void {
  const nc = comp.rows.length;
  const keys = comp.keys;
  const add = new Float64Array(nc + 1);
  const cover = new Int32Array(nc + 1);
  for (let s = 0; s + 1 < tre.start.length; s++) {
    const end = comp.start[s + 1]!;
    // Window [lo, hi): the first position with di - x <= width, and the first with x - di > width.
    // Both only move right as di grows (floating-point subtraction is monotone).
    let lo = comp.start[s]!;
    let hi = lo;
    for (let t = tre.start[s]!; t < tre.start[s + 1]!; t++) {
      const i = tre.rows[t]!;
      const di = tre.keys[t]!;
      while (lo < end && di - keys[lo]! > width) lo++;
      if (hi < lo) hi = lo;
      while (hi < end && !(keys[hi]! - di > width)) hi++;
      const k = hi - lo;
      matches[i] = k;
      if (k === 0) continue;
      weight[i] = 1;
      add[lo] += 1 / k;
      add[hi] -= 1 / k;
      cover[lo]++;
      cover[hi]--;
    }
  }
  let w = 0;
  let c = 0;
  for (let p = 0; p < nc; p++) {
    w += add[p]!;
    c += cover[p]!;
    const row = comp.rows[p]!;
    matches[row] = c;
    // The running float sum can leave a residue of ~1e-17 where no window covers; the integer
    // cover count decides.
    weight[row] = c > 0 ? w : 0;
  }
}

/** Union-find "next available position" with path halving; a sentinel sits past each end. */
class Availability {
  private readonly right: Int32Array;
  private readonly left: Int32Array;
  constructor(n: number) {
    this.right = new Int32Array(n + 1);
    this.left = new Int32Array(n + 1);
    for (let i = 0; i <= n; i++) (this.right[i] = i), (this.left[i] = i);
  }
  /** Smallest available position >= p (n when none). */
  nextRight(p: number): number {
    const r = this.right;
    while (r[p] !== p) {
      r[p] = r[r[p]!]!;
      p = r[p]!;
    }
    return p;
  }
  /** Largest available position <= p (-1 when none); left is stored shifted by one. */
  nextLeft(p: number): number {
    const l = this.left;
    let q = p + 1;
    while (l[q] !== q) {
      l[q] = l[l[q]!]!;
      q = l[q]!;
    }
    return q - 1;
  }
  remove(p: number): void {
    this.right[p] = p + 1;
    this.left[p + 1] = p;
  }
}

function nearestMatch(
  d: Float64Array,
  order: Int32Array,
  treatedRows: Int32Array,
  tre: Line,
  comp: Line,
  width: number | null,
  ratio: number,
  replace: boolean,
  weight: Float64Array,
  matches: Int32Array,
): Int32Array {
  const nt = treatedRows.length;
  const nc = comp.rows.length;
  const sorted = comp.keys;
  // Row index -> its position among the treated (for the pairs matrix): treatedRows ascends, so
  // a binary search finds it (an n-long lookup array would cost more to allocate).
  const slot = (row: number): number => {
    let a = 0, b = nt;
    while (a < b) {
      const mid = (a + b) >>> 1;
      if (treatedRows[mid]! < row) a = mid + 1;
      else b = mid;
    }
    return a;
  };
  const pairs = new Int32Array(nt * ratio).fill(-1);

  // Position of each treated row on its stratum's line: the number of comparators before it,
  // i.e. with smaller distance, or equal distance and an earlier input row.
  const position = new Int32Array(nt);
  const first = new Int32Array(nt);
  const end = new Int32Array(nt);
  for (let s = 0; s + 1 < tre.start.length; s++) {
    const a = comp.start[s]!, b = comp.start[s + 1]!;
    let p = a;
    for (let t = tre.start[s]!; t < tre.start[s + 1]!; t++) {
      const i = tre.rows[t]!;
      const di = tre.keys[t]!;
      while (p < b && (sorted[p]! < di || (sorted[p] === di && comp.rows[p]! < i))) p++;
      const k = slot(i);
      position[k] = p;
      first[k] = a;
      end[k] = b;
    }
  }
  const within = (di: number, x: number) => width === null || Math.abs(di - x) <= width;

  if (replace) {
    // Each treated row independently takes its k nearest, expanding left and right pointers.
    for (let t = 0; t < nt; t++) {
      const i = treatedRows[t]!;
      const di = d[i]!;
      let left = position[t]! - 1;
      let right = position[t]!;
      for (let r = 0; r < ratio; r++) {
        const hasLeft = left >= first[t]! && within(di, sorted[left]!);
        const hasRight = right < end[t]! && within(di, sorted[right]!);
        let p: number;
        if (hasLeft && hasRight) p = Math.abs(sorted[left]! - di) <= Math.abs(sorted[right]! - di) ? left-- : right++;
        else if (hasLeft) p = left--;
        else if (hasRight) p = right++;
        else break;
        pairs[t * ratio + r] = comp.rows[p]!;
      }
    }
  } else {
    const available = new Availability(nc);
    for (let r = 0; r < ratio; r++) {
      for (let o = 0; o < nt; o++) {
        const i = order[o]!;
        const t = slot(i);
        if (r > 0 && pairs[t * ratio + r - 1] === -1) continue;
        const di = d[i]!;
        const lp = available.nextLeft(position[t]! - 1);
        const rp = available.nextRight(position[t]!);
        const hasLeft = lp >= first[t]! && within(di, sorted[lp]!);
        const hasRight = rp < end[t]! && within(di, sorted[rp]!);
        let p: number;
        if (hasLeft && hasRight) p = Math.abs(sorted[lp]! - di) <= Math.abs(sorted[rp]! - di) ? lp : rp;
        else if (hasLeft) p = lp;
        else if (hasRight) p = rp;
        else continue;
        available.remove(p);
        pairs[t * ratio + r] = comp.rows[p]!;
      }
    }
  }

  for (let t = 0; t < nt; t++) {
    let k = 0;
    for (let r = 0; r < ratio; r++) if (pairs[t * ratio + r]! >= 0) k++;
    const i = treatedRows[t]!;
    matches[i] = k;
    if (k === 0) continue;
    weight[i] = 1;
    for (let r = 0; r < ratio; r++) {
      const j = pairs[t * ratio + r]!;
      if (j < 0) continue;
      weight[j] += 1 / k;
      matches[j]++;
    }
  }
  return pairs;
}
