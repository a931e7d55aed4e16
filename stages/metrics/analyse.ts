// One analysis (the headline, or a sub-analysis such as one region): the eleven measures for the
// treatment group and the weighted comparison group, their Welch differences, number_needed and
// the disclosure gates. Pure: rows in, a JSON-ready object out.
import { inSignificantList, publishable, reoffenderMeasuresShown, significant, withheldReason, type WithheldReason } from './gates.ts';
import { MEASURES, type MeasureDef, type MeasureId } from './measures.ts';
import { numberNeeded } from './power.ts';
import { meanInterval, welch } from './welch.ts';
import { unweightedSummary, weightedSummary, type GroupSummary } from './weighted.ts';

/** Matched rows in a fixed order (by event_id), columnar; NULL outcomes are NaN. */
export interface OutcomeRows {
  length: number;
  treated: Uint8Array;
  weight: Float64Array;
  outcomes: Record<MeasureId, Float64Array>;
}

export interface GroupResult {
  n: number;
  mean: number | null;
  sd: number | null;
  lower: number | null;
  upper: number | null;
}

export interface ComparisonResult extends GroupResult {
  n_effective: number | null;
  weight_sum: number | null;
}

export interface MeasureResult {
  measure: MeasureId;
  table: number;
  kind: MeasureDef['kind'];
  population: MeasureDef['population'];
  court: MeasureDef['court'];
  favourable: MeasureDef['favourable'];
  treatment: GroupResult;
  comparison: ComparisonResult;
  difference: { estimate: number | null; lower: number | null; upper: number | null; se: number | null; df: number | null; p: number | null };
  significant: boolean | null;
  number_needed: number | null;
  np_treat: number | null;
  np_comparison: number | null;
  gates: { shown: boolean; withheld_reason: WithheldReason | null; significant_list: boolean };
}

export interface AnalysisResult {
  id: string;
  label: string;
  by: string | null;
  value: string | null;
  group_sizes: {
    treatment: number;
    comparison: number;
    comparison_effective: number | null;
    comparison_weight_sum: number | null;
    treatment_reoffenders: number;
    comparison_reoffenders: number;
  };
  publishable: boolean;
  reoffender_measures_shown: boolean;
  measures: MeasureResult[];
}

/** JSON has no NaN or Infinity: anything not finite is null. */
export function finite(x: number | null | undefined): number | null {
  return x !== null && x !== undefined && Number.isFinite(x) ? x : null;
}

export function analyse(
  rows: OutcomeRows,
  include: (i: number) => boolean,
  meta: { id: string; label: string; by: string | null; value: string | null },
  options: { confidence?: number; alpha?: number; power?: number } = {},
): AnalysisResult {
  const confidence = options.confidence ?? 0.95;
  const reoff = rows.outcomes.reoff;
  let treatment = 0;
  let comparison = 0;
  let treatmentReoffenders = 0;
  let comparisonReoffenders = 0;
  const compWeights: number[] = [];
  for (let i = 0; i < rows.length; i++) {
    if (!include(i)) continue;
    if (rows.treated[i] === 1) {
      treatment++;
      if (reoff[i] === 1) treatmentReoffenders++;
    } else {
      comparison++;
      compWeights.push(rows.weight[i]!);
      if (reoff[i] === 1) comparisonReoffenders++;
    }
  }
  // Only the weights matter here (effective size and weight sum of the whole comparison group),
  // so the values passed are zeros.
  const compAll = weightedSummary(new Float64Array(compWeights.length), compWeights);
  const sizes = { treated: treatment, treatedReoffenders: treatmentReoffenders };

  const measures = MEASURES.map((def) => {
    const tx: number[] = [];
    const cx: number[] = [];
    const cw: number[] = [];
    const values = rows.outcomes[def.id];
    for (let i = 0; i < rows.length; i++) {
      if (!include(i)) continue;
      if (def.population === 'reoffenders' && reoff[i] !== 1) continue;
      const x = values[i]!;
      if (Number.isNaN(x)) throw new Error(`outcome ${def.id} is NULL for an event in its population (matched row ${i + 1})`);
      if (rows.treated[i] === 1) tx.push(x);
      else {
        cx.push(x);
        cw.push(rows.weight[i]!);
      }
    }
    return measureResult(def, unweightedSummary(tx), weightedSummary(cx, cw), sizes, confidence, options);
  });

  return {
    id: meta.id,
    label: meta.label,
    by: meta.by,
    value: meta.value,
    group_sizes: {
      treatment,
      comparison,
      comparison_effective: finite(compAll.nEffective),
      comparison_weight_sum: finite(compAll.weightSum),
      treatment_reoffenders: treatmentReoffenders,
      comparison_reoffenders: comparisonReoffenders,
    },
    publishable: publishable(treatment),
    reoffender_measures_shown: reoffenderMeasuresShown(treatmentReoffenders),
    measures,
  };
}

function measureResult(
  def: MeasureDef,
  t: GroupSummary,
  c: GroupSummary,
  sizes: { treated: number; treatedReoffenders: number },
  confidence: number,
  options: { alpha?: number; power?: number },
): MeasureResult {
  const ti = meanInterval(t, confidence);
  const ci = meanInterval(c, confidence);
  const w = welch(t, c, confidence);
  // n·p: the expected number of "events" (people with the outcome, or offences) in the group;
  // the normal-approximation check. Days are not counts, so time has none.
  const npTreat = def.kind === 'time' ? null : finite(t.n * t.mean);
  const npComparison = def.kind === 'time' ? null : finite(c.nEffective * c.mean);
  const p = w ? finite(w.p) : null;
  const reason = withheldReason(def, sizes, npTreat, w !== null);
  const shown = reason === null;
  return {
    measure: def.id,
    table: def.table,
    kind: def.kind,
    population: def.population,
    court: def.court,
    favourable: def.favourable,
    treatment: { n: t.n, mean: finite(t.mean), sd: finite(Math.sqrt(t.variance)), lower: finite(ti?.lower), upper: finite(ti?.upper) },
    comparison: {
      n: c.n,
      n_effective: finite(c.nEffective),
      weight_sum: finite(c.weightSum),
      mean: finite(c.mean),
      sd: finite(Math.sqrt(c.variance)),
      lower: finite(ci?.lower),
      upper: finite(ci?.upper),
    },
    difference: {
      estimate: finite(w?.estimate),
      lower: finite(w?.lower),
      upper: finite(w?.upper),
      se: finite(w?.se),
      df: finite(w?.df),
      p,
    },
    significant: significant(p),
    number_needed: numberNeeded(t, c, options.alpha, options.power),
    np_treat: npTreat,
    np_comparison: npComparison,
    gates: { shown, withheld_reason: reason, significant_list: inSignificantList(def, shown, p, npTreat) },
  };
}
