// The overlap of the propensity scores (methodology §6.4: "also report … a PS-overlap plot"):
// the logit of the score binned on one grid, as shares of each group, before matching (everyone
// in the model, unweighted) and after (matched treated; comparators by their ATT weight). Only
// shares of at least a few hundred people per group leave the stage: aggregate, no person.

export interface OverlapSide {
  /** Share of the group in each bin (sums to 1, or all zero for an empty group). */
  treated: number[];
  comparison: number[];
}

export interface ScoreOverlap {
  scale: 'logit';
  /** Bin edges, bins + 1 values, ascending. */
  edges: number[];
  before: OverlapSide;
  after: OverlapSide;
}

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

/**
 * Shares per bin. Edges span the scores of everyone (1st to 99th percentile would hide the tails a
 * reviewer looks for, so the full range, widened to whole tenths). `weight` is the ATT weight
 * (treated 1 when matched, 0 when off support; comparators their weight, 0 when unused).
 */
export function scoreOverlap(logit: Float64Array, treat: Uint8Array | number[], weight: Float64Array, bins = 24): ScoreOverlap {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < logit.length; i++) {
    const x = logit[i]!;
    if (!Number.isFinite(x)) continue;
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  if (!(hi > lo)) {
    lo = Number.isFinite(lo) ? lo - 1 : -1;
    hi = lo + 2;
  }
  lo = Math.floor(lo * 10) / 10;
  hi = Math.ceil(hi * 10) / 10;
  const width = (hi - lo) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, k) => round6(lo + k * width));
  const acc = () => ({ t: new Float64Array(bins), c: new Float64Array(bins) });
  const before = acc();
  const after = acc();
  for (let i = 0; i < logit.length; i++) {
    const x = logit[i]!;
    if (!Number.isFinite(x)) continue;
    const k = Math.min(bins - 1, Math.max(0, Math.floor((x - lo) / width)));
    const treated = treat[i] === 1;
    (treated ? before.t : before.c)[k]! += 1;
    const w = weight[i]!;
    if (w > 0) (treated ? after.t : after.c)[k]! += w;
  }
  const shares = (a: Float64Array) => {
    let s = 0;
    for (const v of a) s += v;
    return Array.from(a, (v) => (s > 0 ? round6(v / s) : 0));
  };
  return {
    scale: 'logit',
    edges,
    before: { treated: shares(before.t), comparison: shares(before.c) },
    after: { treated: shares(after.t), comparison: shares(after.c) },
  };
}
