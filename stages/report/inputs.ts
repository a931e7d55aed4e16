// Readers for the report's upstream inputs. Each reads the one spelling its writer uses, typed by
// the writer's own contract (propensity/outputs.ts, linkage/match-report.ts), and fails with a
// clear message, naming the file and field, when it is not there.
import type { AnalysisResult } from '../metrics/analyse.ts';
import type { NotIncluded, Profile } from '../metrics/profile.ts';
import type { BalanceJson } from '../propensity/outputs.ts';
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
  return { submitted: num(m.cohort_rows), linked: num(m.linked), tiers, losses };
}

export function readIntakeSummary(json: unknown): IntakeCounts {
  if (!isObj(json) || !isObj(json.counts)) throw new Error('intakeSummary: counts missing');
  const c = json.counts;
  const get = (k: string) => {
    const v = num(c[k]);
    if (v === null) throw new Error(`intakeSummary: counts.${k} missing`);
    return v;
  };
  return { submitted: get('submitted'), usable: get('usable'), unusable: get('unusable'), duplicates: num(c.duplicates) ?? 0 };
}
