// Readers for the report's upstream inputs. Each reads the one spelling its writer uses, typed by
// the writer's own contract (propensity/outputs.ts, linkage/match-report.ts), and fails with a
// clear message, naming the file and field, when it is not there.
import type { AnalysisResult } from '../metrics/analyse.ts';
import type { NotIncluded, Profile } from '../metrics/profile.ts';
import type { BalanceJson, ModelJson } from '../propensity/outputs.ts';
import type { MatchReport } from '../linkage/match-report.ts';

export interface Metrics {
  format: 'jdl-metrics';
  version: number;
  request: string;
  settings: { confidence: number; alpha: number; power: number; min_treated: number; min_reoffenders: number; min_np: number; suppression_threshold: number };
  headline: string;
  analyses: AnalysisResult[];
  profile: Profile;
  not_included: NotIncluded;
  significant_results: { analysis: string; measure: string; direction: 'lower' | 'higher' }[];
}

export interface RequestInfo {
  id: string;
  organisation: { name: string; description: string };
  programme: { name: string; description: string; people_term: string };
  analysis_period: { from: string; to: string };
  dates: { received: string; results_shared: string | null; publication: string | null };
  /**
   * A contact to print in the report's contact section. intake.request leaves the request's
   * contact out (it is personal data, docs/data-contracts.md), so this is present only if a
   * request ever carries a contact meant for publication.
   */
  contact?: { name?: string; email?: string };
  /** The organisation's own text, printed as written (request.schema.json). */
  provider_text?: { own_words?: string; response?: string };
}

export interface BalanceVariable {
  name: string;
  /** Standardised differences in per cent. */
  smdBefore: number | null;
  smdAfter: number;
  varianceRatioAfter: number | null;
}

export interface AttritionStep {
  reason: string;
  count: number;
}

export interface MatchSummary {
  submitted: number | null;
  linked: number | null;
  tiers: { tier: string; count: number }[];
  losses: AttritionStep[];
  /** The linkage model and its weight histogram; null from a match report written before they were recorded. */
  linkageModel?: LinkageModelSummary | null;
}

/** The Fellegi-Sunter model that linked the cohort, as the match report records it (linkage/match-report.ts). */
export interface LinkageModelSummary {
  method: string;
  thresholdProbability: number;
  /** Share of cohort rows estimated to have a match on the register; null if not recorded. */
  expectedMatchShare: number | null;
  swapPenaltyBits: number | null;
  extraEvidenceBits: Record<string, number>;
  training: Record<string, string | number | boolean>;
  comparisons: { comparison: string; levels: { level: number; label: string; m: number; u: number; bits: number }[] }[];
  /** The best candidate's weight per cohort row in bins; null when the match report has none. */
  histogram: { fromBits: number; toBits: number; found: number; discarded: number }[] | null;
}

export interface IntakeCounts {
  /** The cohort file the figures come from (cohort.csv, or corrections/<date>-cohort.csv): a name, never content. */
  file: string | null;
  submitted: number;
  usable: number;
  unusable: number;
  duplicates: number;
  /** The intake's fingerprint of the usable people (intake/cohort-fingerprint.ts); null if the summary has none. */
  cohortSha256: string | null;
}

type Obj = Record<string, unknown>;

function isObj(x: unknown): x is Obj {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function num(x: unknown): number | null {
  return typeof x === 'number' && Number.isFinite(x) ? x : null;
}

function firstOf(o: Obj, keys: string[]): unknown {
  for (const k of keys) {
    const parts = k.split('.');
    let v: unknown = o;
    for (const p of parts) v = isObj(v) ? v[p] : undefined;
    if (v !== undefined) return v;
  }
  return undefined;
}

export function readMetrics(json: unknown): Metrics {
  if (!isObj(json) || json.format !== 'jdl-metrics' || !Array.isArray(json.analyses)) throw new Error('metrics: not a jdl-metrics file');
  if (json.version !== 2) throw new Error(`metrics: format version ${String(json.version)} is not supported`);
  return json as unknown as Metrics;
}

export function readRequest(json: unknown): RequestInfo {
  if (!isObj(json)) throw new Error('request: not an object');
  const need = (path: string) => {
    const v = firstOf(json, [path]);
    if (typeof v !== 'string' || !v) throw new Error(`request: field ${path} is missing`);
    return v;
  };
  need('id');
  need('organisation.name');
  need('programme.people_term');
  need('analysis_period.from');
  need('analysis_period.to');
  need('dates.received');
  return json as unknown as RequestInfo;
}

/** Balance rows from propensity's balance.json (`covariates`, SMDs as fractions), in per cent. */
export function readBalance(json: unknown): BalanceVariable[] {
  const rows = isObj(json) ? (json as Partial<BalanceJson>).covariates : undefined;
  if (!Array.isArray(rows)) throw new Error('balance: no covariates');
  return rows.map((r, i) => {
    const after = isObj(r) && isObj(r.after) ? num(r.after.smd) : null;
    if (!isObj(r) || typeof r.covariate !== 'string' || after === null) throw new Error(`balance: covariates[${i}] lacks covariate or after.smd`);
    const before = isObj(r.before) ? num(r.before.smd) : null;
    return { name: r.covariate, smdBefore: before === null ? null : before * 100, smdAfter: after * 100, varianceRatioAfter: num(r.after.variance_ratio) };
  });
}

/**
 * The linkage match report: losses in attrition order (after the first step, 'submitted') and
 * people linked by each tier.
 */
export function readMatchReport(json: unknown): MatchSummary {
  if (!isObj(json)) throw new Error('matchReport: not an object');
  const m = json as Partial<MatchReport>;
  if (!Array.isArray(m.by_tier)) throw new Error('matchReport: by_tier missing');
  if (!Array.isArray(m.attrition)) throw new Error('matchReport: attrition missing');
  const tiers = m.by_tier.map((t, i) => {
    if (!isObj(t) || typeof t.tier !== 'string' || num(t.linked) === null) throw new Error(`matchReport: by_tier[${i}] lacks tier or linked`);
    return { tier: t.tier, count: t.linked };
  });
  const losses = m.attrition.flatMap((a, i) => {
    if (!isObj(a) || typeof a.step !== 'string') throw new Error(`matchReport: attrition[${i}] lacks step`);
    if (a.step === 'submitted') return [];
    const lost = 'lost' in a ? num(a.lost) : null;
    if (lost === null) throw new Error(`matchReport: attrition[${i}] (${a.step}) lacks lost`);
    return [{ reason: a.step, count: lost }];
  });
  return { submitted: num(m.cohort_rows), linked: num(m.linked), tiers, losses, linkageModel: readLinkageModel(m) };
}

/**
 * The match report's `model` and `weight_histogram`. A match report written before they were
 * recorded has neither: null, and the report says the model was not recorded. One that has them
 * but in another shape is an error naming the field, like every other reader here.
 */
function readLinkageModel(m: Partial<MatchReport>): LinkageModelSummary | null {
  if (m.model === undefined) return null;
  const model = m.model as unknown;
  if (!isObj(model)) throw new Error('matchReport: model is not an object');
  const threshold = num(model.threshold_probability);
  if (typeof model.method !== 'string' || threshold === null) throw new Error('matchReport: model lacks method or threshold_probability');
  if (!Array.isArray(model.comparisons)) throw new Error('matchReport: model.comparisons missing');
  const comparisons = model.comparisons.map((c: unknown, i: number) => {
    if (!isObj(c) || typeof c.comparison !== 'string' || !Array.isArray(c.levels)) throw new Error(`matchReport: model.comparisons[${i}] lacks comparison or levels`);
    const levels = c.levels.map((l: unknown, k: number) => {
      const level = isObj(l) ? num(l.level) : null;
      const mm = isObj(l) ? num(l.m) : null;
      const u = isObj(l) ? num(l.u) : null;
      const bits = isObj(l) ? num(l.log2_bf) : null;
      if (!isObj(l) || level === null || typeof l.label !== 'string' || mm === null || u === null || bits === null) throw new Error(`matchReport: model.comparisons[${i}].levels[${k}] lacks level, label, m, u or log2_bf`);
      return { level, label: l.label, m: mm, u, bits };
    });
    return { comparison: c.comparison, levels };
  });
  const extra: Record<string, number> = {};
  if (isObj(model.extra_evidence_bits)) for (const [k, v] of Object.entries(model.extra_evidence_bits)) if (num(v) !== null) extra[k] = v as number;
  const training: Record<string, string | number | boolean> = {};
  if (isObj(model.training)) for (const [k, v] of Object.entries(model.training)) if (typeof v === 'string' || typeof v === 'boolean' || num(v) !== null) training[k] = v as string | number | boolean;
  let histogram: LinkageModelSummary['histogram'] = null;
  if (m.weight_histogram !== undefined) {
    if (!Array.isArray(m.weight_histogram)) throw new Error('matchReport: weight_histogram is not a list');
    histogram = m.weight_histogram.map((b: unknown, i: number) => {
      const from = isObj(b) ? num(b.from_bits) : null;
      const to = isObj(b) ? num(b.to_bits) : null;
      const found = isObj(b) ? num(b.linked) : null;
      const discarded = isObj(b) ? num(b.discarded) : null;
      if (from === null || to === null || found === null || discarded === null || !(to > from)) throw new Error(`matchReport: weight_histogram[${i}] lacks from_bits < to_bits, linked or discarded`);
      return { fromBits: from, toBits: to, found, discarded };
    });
  }
  return {
    method: model.method,
    thresholdProbability: threshold,
    expectedMatchShare: num(model.expected_match_share),
    swapPenaltyBits: num(model.swap_penalty_bits),
    extraEvidenceBits: extra,
    training,
    comparisons,
    histogram,
  };
}

export function readIntakeSummary(json: unknown): IntakeCounts {
  if (!isObj(json) || !isObj(json.counts)) throw new Error('intakeSummary: counts missing');
  const c = json.counts;
  const get = (k: string) => {
    const v = num(c[k]);
    if (v === null) throw new Error(`intakeSummary: counts.${k} missing`);
    return v;
  };
  const file = isObj(json.file) && typeof json.file.name === 'string' ? json.file.name : null;
  const cohortSha256 = typeof json.cohort_sha256 === 'string' && /^[0-9a-f]{64}$/.test(json.cohort_sha256) ? json.cohort_sha256 : null;
  return { file, submitted: get('submitted'), usable: get('usable'), unusable: get('unusable'), duplicates: num(c.duplicates) ?? 0, cohortSha256 };
}

/** What the propensity stage did, as its model output says (the report's method text comes from this alone). */
export interface ModelSummary {
  covariates: { name: string; kind: 'numeric' | 'factor' }[];
  exact: string[];
  method: 'caliper' | 'nearest';
  distance: 'logit' | 'probability';
  /** In standard deviations of the distance; null for none. */
  caliper: number | null;
  caliperWidth: number | null;
  /** Comparators per treated person for nearest-neighbour matching; null for caliper (all within it). */
  ratio: number | null;
  replace: boolean;
  counts: { treated: number; treatedMatched: number; treatedOffSupport: number; comparison: number; comparisonMatched: number };
  /** Treated people left out before matching because a matching variable was missing, by variable. */
  missingTreated: number;
  missingByCovariate: Record<string, number>;
  /** Linked events that reached the stage (before any exclusion). */
  linkedEvents: number | null;
  /** How many people the provider withdrew (a count); null if the model says nothing. */
  withdrawn: number | null;
  overlap: { edges: number[]; before: { treated: number[]; comparison: number[] }; after: { treated: number[]; comparison: number[] } } | null;
}

/** propensity.model, typed by its writer's contract (propensity/outputs.ts ModelJson). */
export function readModel(json: unknown): ModelSummary {
  if (!isObj(json) || !isObj(json.model) || !isObj(json.matching)) throw new Error('model: expected { model, matching }');
  const j = json as unknown as Partial<ModelJson> & { model: Partial<ModelJson['model']>; matching: Partial<ModelJson['matching']> };
  const { model, matching: m } = j;
  if (!Array.isArray(model.terms)) throw new Error('model: model.terms missing');
  const covariates = model.terms.map((t, i) => {
    if (!isObj(t) || typeof t.name !== 'string' || (t.kind !== 'numeric' && t.kind !== 'factor')) throw new Error(`model: model.terms[${i}] lacks name or kind`);
    return { name: t.name, kind: t.kind };
  });
  const counts = (isObj(m.counts) ? m.counts : {}) as Partial<ModelJson['matching']['counts']>;
  const count = (k: keyof ModelJson['matching']['counts']) => {
    const v = num(counts[k]);
    if (v === null) throw new Error(`model: matching.counts.${k} missing`);
    return v;
  };
  if (m.method !== 'caliper' && m.method !== 'nearest') throw new Error('model: matching.method is neither caliper nor nearest');
  const missing = model.exclusions?.missing;
  const overlap = isObj(j.overlap) && Array.isArray(j.overlap.edges) ? { edges: j.overlap.edges, before: j.overlap.before, after: j.overlap.after } : null;
  return {
    covariates,
    exact: Array.isArray(m.exact) ? m.exact.filter((x): x is string => typeof x === 'string') : [],
    method: m.method,
    distance: m.distance === 'probability' ? 'probability' : 'logit',
    caliper: num(m.caliper),
    caliperWidth: num(m.caliper_width),
    ratio: num(m.ratio),
    replace: m.replace === true,
    counts: { treated: count('treated'), treatedMatched: count('treated_matched'), treatedOffSupport: count('treated_off_support'), comparison: count('comparison'), comparisonMatched: count('comparison_matched') },
    missingTreated: num(missing?.treated) ?? 0,
    missingByCovariate: isObj(missing?.by_covariate) ? { ...missing.by_covariate } : {},
    linkedEvents: num(j.cohort?.linked_events),
    withdrawn: num(j.cohort?.withdrawn),
    overlap,
  };
}
