// Disclosure and validity gates (methodology §7 and §9). Each is a named predicate so the metrics
// stage, the report and the tests use one definition.
import type { MeasureDef } from './measures.ts';

/** Fewer people than this in the treatment group: the analysis is not published. */
export const MIN_TREATED = 60;
/** Fewer treated reoffenders than this: time to first reoffence and Tables 3-7 are withheld. */
export const MIN_REOFFENDERS = 30;
/** n·p below this: court-outcome rows are not printed, and no measure enters the significant list. */
export const MIN_NP = 10;
/** Significance level, two-sided: "Significant difference? Yes" when p <= ALPHA. */
export const ALPHA = 0.05;

export type WithheldReason = 'treatment_group_below_60' | 'fewer_than_30_reoffenders' | 'np_below_10' | 'not_computable';

export function publishable(treated: number): boolean {
  return treated >= MIN_TREATED;
}

export function reoffenderMeasuresShown(treatedReoffenders: number): boolean {
  return treatedReoffenders >= MIN_REOFFENDERS;
}

export function npSufficient(npTreat: number | null): boolean {
  return npTreat !== null && npTreat >= MIN_NP;
}

export function significant(p: number | null): boolean | null {
  return p === null ? null : p <= ALPHA;
}

/** Why a measure's row is withheld, or null when it is shown. Order: the widest gate first. */
export function withheldReason(
  def: MeasureDef,
  group: { treated: number; treatedReoffenders: number },
  npTreat: number | null,
  computable: boolean,
): WithheldReason | null {
  if (!publishable(group.treated)) return 'treatment_group_below_60';
  if (def.population === 'reoffenders' && !reoffenderMeasuresShown(group.treatedReoffenders)) return 'fewer_than_30_reoffenders';
  if (def.court !== null && !npSufficient(npTreat)) return 'np_below_10';
  if (!computable) return 'not_computable';
  return null;
}

/**
 * A shown, significant measure enters the "Significant results" list only if n·p >= 10. Time to
 * first reoffence has no n·p (it is not a count); its own gate is the 30-reoffender rule.
 */
export function inSignificantList(def: MeasureDef, shown: boolean, p: number | null, npTreat: number | null): boolean {
  if (!shown || significant(p) !== true) return false;
  return def.kind === 'time' ? true : npSufficient(npTreat);
}
