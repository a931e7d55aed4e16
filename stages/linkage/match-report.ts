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
};
