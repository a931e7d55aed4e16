// The linkage stage's matchReport output (aggregate), as written by link.ts matchReport(): its
// readers (the report) import this type, so one spelling of each field holds on both sides.
export type AttritionStep =
  | { step: 'submitted'; remaining: number; rate: number }
  | { step: string; lost: number; lost_rate: number; remaining: number; rate: number };

export type MatchReport = {
  cohort_rows: number;
  linked: number;
  linked_rate: number;
  /** In order; the first step is 'submitted' (nothing lost yet), then one per reason a row was lost. */
  attrition: AttritionStep[];
  by_status: { status: string; n: number; rate: number }[];
  /** matched: rows whose person this tier found; linked: those also with an eligible index event, not duplicates. */
  by_tier: { tier: string; matched: number; matched_rate: number; linked: number; linked_rate: number }[];
  suspect_by_kind: { kind: string; n: number }[];
  blocking: { candidate_pairs: number; plausible_pairs: number };
  analysis_period: { from: string; to: string } | null;
  /** The Fellegi-Sunter model that decided (stages/linkage/model.ts) and the decision rule. */
  model: {
    method: 'fellegi-sunter';
    /** Match probability a candidate needs to be linked. */
    threshold_probability: number;
    /** Share of cohort rows estimated to have a match in the register (the prior). */
    expected_match_share: number;
    lambda: number;
    swap_penalty_bits: number;
    extra_evidence_bits: Record<string, number>;
    training: Record<string, string | number | boolean>;
    comparisons: { comparison: string; levels: { level: number; label: string; m: number; u: number; log2_bf: number }[] }[];
  };
  /** The best candidate's match weight per cohort row, in bins: rows whose person was found, and rows discarded (suspect or no match). */
  weight_histogram: WeightBin[];
  /** Only from the `link` tool: dates that could not be read, per field. */
  unreadable_dates?: { field: string; count: number; side: 'cohort' | 'register' }[];
};

export type WeightBin = { from_bits: number; to_bits: number; linked: number; discarded: number };
