// Readers for the report's upstream inputs. The metrics file is ours and read strictly; the
// balance, match report and intake summary come from stages built in parallel, so their readers
// accept the field spellings those stages use (documented in docs/data-contracts.md only as
// prose) and fail with a clear message, naming the file and field, when nothing usable is there.
import type { AnalysisResult } from '../metrics/analyse.ts';
import type { NotIncluded, Profile } from '../metrics/profile.ts';

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
}

export interface IntakeCounts {
  /** The cohort file the figures come from (cohort.csv, or corrections/<date>-cohort.csv): a name, never content. */
  file: string | null;
  submitted: number;
  usable: number;
  unusable: number;
  duplicates: number;
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

/**
 * Balance rows: `{ rows: [...] }` (propensity's BalanceSummary), `{ covariates: [...] }` or a bare
 * array; per row the SMD after matching as `after.smd`, `smd_after` or `smdAfter`. SMDs are
 * fractions (0.05 = 5 %) unless the file says `smd_unit: "percent"`.
 */
export function readBalance(json: unknown): BalanceVariable[] {
  const rows = Array.isArray(json) ? json : isObj(json) ? firstOf(json, ['rows', 'covariates', 'variables', 'balance']) : undefined;
  if (!Array.isArray(rows)) throw new Error('balance: no rows (expected rows, covariates or variables)');
  const scale = isObj(json) && json.smd_unit === 'percent' ? 1 : 100;
  return rows.map((r, i) => {
    if (!isObj(r)) throw new Error(`balance: row ${i + 1} is not an object`);
    const name = firstOf(r, ['covariate', 'name', 'variable', 'term']);
    const after = num(firstOf(r, ['after.smd', 'smd_after', 'smdAfter']));
    if (typeof name !== 'string' || after === null) throw new Error(`balance: row ${i + 1} lacks a name or an SMD after matching`);
    const before = num(firstOf(r, ['before.smd', 'smd_before', 'smdBefore']));
    const vr = num(firstOf(r, ['after.varianceRatio', 'after.variance_ratio', 'variance_ratio_after', 'varianceRatioAfter', 'vr_after']));
    return { name, smdBefore: before === null ? null : before * scale, smdAfter: after * scale, varianceRatioAfter: vr };
  });
}

const SKIP = new Set(['submitted', 'linked']);

/**
 * Labelled counts from an array of objects (label and count under one of the given keys) or an
 * object of label -> count. Entries labelled 'submitted' or 'linked' are totals, not losses.
 */
function countsList(v: unknown, labelKeys: string[], countKeys: string[], file: string): { label: string; count: number }[] {
  if (Array.isArray(v)) {
    const out: { label: string; count: number }[] = [];
    v.forEach((item, i) => {
      if (!isObj(item)) throw new Error(`${file}: entry ${i + 1} is not an object`);
      const label = firstOf(item, labelKeys);
      if (typeof label !== 'string') throw new Error(`${file}: entry ${i + 1} has no label (${labelKeys.join('/')})`);
      if (SKIP.has(label)) return;
      const c = num(firstOf(item, countKeys));
      if (c === null) throw new Error(`${file}: entry ${i + 1} has no count (${countKeys.join('/')})`);
      out.push({ label, count: c });
    });
    return out;
  }
  if (isObj(v)) {
    // An object keeps insertion order, which JSON.parse preserves: the writer's attrition order.
    return Object.entries(v)
      .filter(([label]) => !SKIP.has(label))
      .map(([label, x]) => {
        const c = num(x) ?? (isObj(x) ? num(firstOf(x, countKeys)) : null);
        if (c === null) throw new Error(`${file}: ${label} has no count`);
        return { label, count: c };
      });
  }
  return [];
}

/**
 * The linkage match report: losses in attrition order (linkage writes `attrition: [{ step,
 * lost, … }]`, the first step being 'submitted') and people linked by each tier (`by_tier:
 * [{ tier, linked, matched, … }]`).
 */
export function readMatchReport(json: unknown): MatchSummary {
  if (!isObj(json)) throw new Error('matchReport: not an object');
  const tiers = countsList(firstOf(json, ['by_tier', 'tiers', 'byTier']), ['tier', 'name'], ['linked', 'count', 'n'], 'matchReport').map((t) => ({ tier: t.label, count: t.count }));
  const losses = countsList(firstOf(json, ['attrition', 'losses', 'by_reason', 'byReason', 'steps']), ['step', 'reason', 'status', 'name'], ['lost', 'count', 'n'], 'matchReport').map((l) => ({ reason: l.label, count: l.count }));
  return {
    submitted: num(firstOf(json, ['cohort_rows', 'submitted', 'counts.submitted'])),
    linked: num(firstOf(json, ['linked', 'counts.linked'])),
    tiers,
    losses,
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
  return { file, submitted: get('submitted'), usable: get('usable'), unusable: get('unusable'), duplicates: num(c.duplicates) ?? 0 };
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
  overlap: { edges: number[]; before: { treated: number[]; comparison: number[] }; after: { treated: number[]; comparison: number[] } } | null;
}

/** propensity.model (stages/propensity/psm.ts modelJson, plus cohort and overlap from its stage). */
export function readModel(json: unknown): ModelSummary {
  if (!isObj(json) || !isObj(json.model) || !isObj(json.matching)) throw new Error('model: expected { model, matching }');
  const model = json.model;
  const m = json.matching;
  if (!Array.isArray(model.terms)) throw new Error('model: model.terms missing');
  const covariates = model.terms.map((t, i) => {
    if (!isObj(t) || typeof t.name !== 'string' || (t.kind !== 'numeric' && t.kind !== 'factor')) throw new Error(`model: model.terms[${i}] lacks name or kind`);
    return { name: t.name, kind: t.kind as 'numeric' | 'factor' };
  });
  const counts = isObj(m.counts) ? m.counts : {};
  const count = (k: string) => {
    const v = num(counts[k]);
    if (v === null) throw new Error(`model: matching.counts.${k} missing`);
    return v;
  };
  const exclusions = isObj(model.exclusions) ? model.exclusions : {};
  const missing = isObj(exclusions.missing) ? exclusions.missing : {};
  const byCovariate = isObj(missing.byCovariate) ? Object.fromEntries(Object.entries(missing.byCovariate).filter(([, v]) => typeof v === 'number')) as Record<string, number> : {};
  const overlap = isObj(json.overlap) && Array.isArray(json.overlap.edges) ? (json.overlap as unknown as ModelSummary['overlap']) : null;
  if (m.method !== 'caliper' && m.method !== 'nearest') throw new Error('model: matching.method is neither caliper nor nearest');
  return {
    covariates,
    exact: Array.isArray(m.exact) ? m.exact.filter((x): x is string => typeof x === 'string') : [],
    method: m.method,
    distance: m.distance === 'probability' ? 'probability' : 'logit',
    caliper: num(m.caliper),
    caliperWidth: num(m.caliperWidth),
    ratio: num(m.ratio),
    replace: m.replace === true,
    counts: { treated: count('treated'), treatedMatched: count('treatedMatched'), treatedOffSupport: count('treatedOffSupport'), comparison: count('comparison'), comparisonMatched: count('comparisonMatched') },
    missingTreated: num(missing.treated) ?? 0,
    missingByCovariate: byCovariate,
    linkedEvents: isObj(json.cohort) ? num(json.cohort.linkedEvents) : null,
    overlap,
  };
}
