// Hand-built inputs for the report stage: metrics computed by the real metrics stage from a
// known-effect fixture, plus balance, match report and intake summary in the shapes the
// propensity, linkage and intake stages write.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import metricsStage from '../../stages/metrics/stage.ts';
import { runStageDirect } from '../helpers/run-stage.ts';
import { buildInputs, stageInputs, type BuildOptions } from '../metrics/build-inputs.ts';
import { COMPARISONS, LEVEL_LABELS, priorModel, type ComparisonName } from '../../stages/linkage/model.ts';
import { DEFAULT_THRESHOLD, EXTRA_EVIDENCE_BITS } from '../../stages/linkage/link.ts';
import type { MatchReport, WeightBin } from '../../stages/linkage/match-report.ts';
import { testTempDir } from '../helpers/temp-dir.ts';
import { Ajv2020 } from 'ajv/dist/2020.js';
import * as assert from 'uvu/assert';
import reportStage from '../../stages/report/stage.ts';

const metricsUrl = new URL('../../stages/metrics/stage.ts', import.meta.url).href;

export interface ReportFixture {
  dir: string;
  inputs: { metrics: string; request: string; balance: string; model: string; matchReport: string; intakeSummary: string };
}

export function balanceJson(poor = false) {
  const row = (covariate: string, before: number, after: number, vr: number | null) => ({
    covariate,
    term: covariate,
    binary: vr === null,
    before: { mean_treated: 0.5, mean_comparison: 0.4, smd: before, variance_ratio: vr },
    after: { mean_treated: 0.5, mean_comparison: 0.49, smd: after, variance_ratio: vr },
    flag: Math.abs(after) < 0.05 ? 'well_matched' : Math.abs(after) <= 0.1 ? 'acceptable' : 'poor',
  });
  // The shape propensity writes (propensity/outputs.ts BalanceJson): covariates with before/after sides.
  return {
    covariates: [
      row('age_index', 0.31, 0.012, 1.04),
      row('gender=F', -0.12, -0.02, null),
      row('prev_offences', 0.45, 0.071, 1.21),
      row('ogrs', 0.38, poor ? 0.134 : 0.031, 0.97),
      row('region=London', 0.2, -0.004, null),
    ],
    thresholds: { well_matched: 0.05, acceptable: 0.1 },
  };
}

/** The shape propensity writes (propensity/outputs.ts ModelJson: snake_case keys). */
export function modelJson(o: { treated: number; comparison: number; missingTreated?: number; offSupport?: number }) {
  const bins = 4;
  return {
    model: {
      family: 'binomial',
      terms: [
        { name: 'age_index', kind: 'numeric' },
        { name: 'prev_offences', kind: 'numeric' },
        { name: 'ogrs', kind: 'numeric' },
        { name: 'region', kind: 'factor', reference: 'London', levels: [] },
      ],
      exclusions: { missing: { treated: o.missingTreated ?? 0, comparison: 0, by_covariate: o.missingTreated ? { sentence_months: o.missingTreated } : {} }, pruned: { treated: 0, comparison: 0, by_factor: {} } },
    },
    matching: {
      method: 'caliper', distance: 'logit', caliper: 0.2, caliper_width: 0.1545, distance_sd: 0.77, ratio: null, replace: true, exact: ['gender', 'sentence_type'],
      counts: { treated: o.treated + (o.offSupport ?? 0), treated_matched: o.treated, treated_off_support: o.offSupport ?? 0, comparison: o.comparison * 2, comparison_matched: o.comparison },
      strata: [],
    },
    cohort: { linked_events: o.treated + (o.offSupport ?? 0) + (o.missingTreated ?? 0), linked_events_not_in_register: 0 },
    overlap: {
      scale: 'logit',
      edges: Array.from({ length: bins + 1 }, (_, k) => -4 + k),
      before: { treated: [0.1, 0.2, 0.3, 0.4], comparison: [0.4, 0.3, 0.2, 0.1] },
      after: { treated: [0.1, 0.2, 0.3, 0.4], comparison: [0.11, 0.19, 0.3, 0.4] },
    },
  };
}

/**
 * The match report's `model` as link.ts matchReport writes it, from the linkage-model stage's own
 * prior model (model.ts priorModel) over u shares given here: the shape and the labels are the
 * linker's, the numbers the test's.
 */
export function linkageModelJson(o: { randomPairs?: number; registerPeople?: number; expectedShare?: number; threshold?: number } = {}): MatchReport['model'] {
  // u: the share of random register pairs at each level, most pairs disagreeing.
  const u = {} as Record<ComparisonName, Map<number, number>>;
  for (const c of COMPARISONS) {
    const levels = Object.keys(LEVEL_LABELS[c]).map(Number).sort((a, b) => b - a);
    const shares = levels.map((_, i) => (i === levels.length - 1 ? 0 : 0.3 / 4 ** (levels.length - i)));
    shares[levels.length - 1] = 1 - shares.reduce((a, b) => a + b, 0);
    u[c] = new Map(levels.map((l, i) => [l, shares[i]!]));
  }
  const model = priorModel({ u, pairs: o.randomPairs ?? 160000 }, o.registerPeople ?? 200000);
  return {
    method: 'fellegi-sunter',
    threshold_probability: o.threshold ?? DEFAULT_THRESHOLD,
    expected_match_share: o.expectedShare ?? 0.9123,
    lambda: model.lambda,
    swap_penalty_bits: model.swap_penalty_bits,
    extra_evidence_bits: { ...EXTRA_EVIDENCE_BITS },
    training: { ...model.training },
    comparisons: model.comparisons.map((c) => ({ comparison: c.comparison, levels: c.levels.map((l) => ({ ...l })) })),
  };
}

/**
 * A histogram of `found` and `discarded` entries in 2-bit bins, shaped like a real run's: found
 * around 20 bits, discarded around -8, thin tails (counts of 1 to 4 at the ends) and a dip inside
 * the found range, empty bins left out as link.ts leaves them out.
 */
export function weightHistogramJson(found: number, discarded: number): WeightBin[] {
  const spread = (n: number, centre: number, sd: number, from: number, to: number) => {
    const bins: number[] = [];
    for (let b = from; b < to; b += 2) bins.push(b);
    const w = bins.map((b) => Math.exp(-((b + 1 - centre) ** 2) / (2 * sd * sd)));
    const sum = w.reduce((a, b) => a + b, 0);
    const counts = w.map((x) => Math.floor((n * x) / sum));
    counts[counts.indexOf(Math.max(...counts))]! += n - counts.reduce((a, b) => a + b, 0);
    return new Map(bins.map((b, i) => [b, counts[i]!]));
  };
  const f = spread(found, 20, 6, 4, 38);
  // A dip inside the found range (2 entries between 12 and 14 bits): a small count that no merging
  // of the tails removes, so the suppression itself is exercised.
  if (found >= 60) {
    f.set(20, f.get(20)! + f.get(12)! - 2);
    f.set(12, 2);
  }
  const d = spread(discarded, -8, 3, -16, 0);
  return [...new Set([...f.keys(), ...d.keys()])].sort((a, b) => a - b)
    .map((b) => ({ from_bits: b, to_bits: b + 2, linked: f.get(b) ?? 0, discarded: d.get(b) ?? 0 }))
    .filter((b) => b.linked + b.discarded > 0);
}

export async function buildReportFixture(o: BuildOptions & {
  submitted: number;
  poorBalance?: boolean;
  subAnalyses?: string[];
  request?: Record<string, unknown>;
  /** Uncertain matches (1 unless given). */
  suspect?: number;
  /** A match report written before the model and the histogram were recorded. */
  oldMatchReport?: boolean;
  /** The match report's model and histogram instead of the defaults. */
  linkageModel?: MatchReport['model'];
  weightHistogram?: WeightBin[];
}): Promise<ReportFixture> {
  const dir = testTempDir('report-test-');
  const built = await buildInputs(dir, o);
  if (o.request) {
    const { writeRequest } = await import('../metrics/build-inputs.ts');
    writeRequest(built.request, o.request);
  }
  const run = await runStageDirect(metricsStage, metricsUrl, {
    inputs: stageInputs(built),
    params: { subAnalyses: o.subAnalyses ?? [] } as never,
  });
  const balance = join(dir, 'balance.json');
  writeFileSync(balance, JSON.stringify(balanceJson(o.poorBalance)));
  // Losses in attrition order; the rest of the submitted people are lost to common support.
  const unusable = Math.round(o.submitted * 0.04);
  const noMatch = Math.round(o.submitted * 0.1);
  const noSentence = Math.round(o.submitted * 0.03);
  const suspect = o.suspect ?? 1;
  const matchReport = join(dir, 'match-report.json');
  const linked = o.submitted - unusable - noMatch - noSentence - suspect;
  // The shape linkage writes (link.ts matchReport): attrition steps with `lost`, tiers with `linked`.
  let remaining = o.submitted - unusable;
  const step = (name: string, lost: number) => ({ step: name, lost, lost_rate: 0, remaining: (remaining -= lost), rate: 0 });
  writeFileSync(
    matchReport,
    JSON.stringify({
      cohort_rows: o.submitted - unusable,
      linked,
      linked_rate: 0,
      attrition: [{ step: 'submitted', remaining, rate: 1 }, step('no_match', noMatch), step('suspect', suspect), step('duplicate', 0), step('no_eligible_sentence', noSentence), step('outside_period', 0)],
      by_status: [],
      by_tier: [
        { tier: 'pnc', matched: 0, matched_rate: 0, linked: Math.round(linked * 0.6), linked_rate: 0 },
        { tier: 'prison_number', matched: 0, matched_rate: 0, linked: 0, linked_rate: 0 },
        { tier: 'exact', matched: 0, matched_rate: 0, linked: linked - Math.round(linked * 0.6), linked_rate: 0 },
        { tier: 'fuzzy', matched: 0, matched_rate: 0, linked: 0, linked_rate: 0 },
      ],
      // Found: every row with a person (linked, or lost later for its sentence); discarded: no
      // match or suspect, less a third of the no-matches that had no candidate at all.
      ...(o.oldMatchReport ? {} : {
        model: o.linkageModel ?? linkageModelJson(),
        weight_histogram: o.weightHistogram ?? weightHistogramJson(linked + noSentence, noMatch - Math.floor(noMatch / 3) + suspect),
      }),
    }),
  );
  // Everyone linked reaches the matching except one person lacking a covariate; the rest are matched.
  const metricsOut = JSON.parse(readFileSync(run.outputs.metrics!, 'utf8')) as { analyses: { group_sizes: { treatment: number; comparison: number } }[] };
  const head = metricsOut.analyses[0]!.group_sizes;
  const model = join(dir, 'model.json');
  writeFileSync(model, JSON.stringify(modelJson({ treated: head.treatment, comparison: head.comparison, missingTreated: 1 })));
  const intakeSummary = join(dir, 'intake-summary.json');
  writeFileSync(intakeSummary, JSON.stringify({ request: 'test', status: 'accepted', reasons: [], counts: { submitted: o.submitted, usable: o.submitted - unusable, unusable, duplicates: 0 }, problems: [] }));
  return { dir, inputs: { metrics: run.outputs.metrics!, request: built.request, balance, model, matchReport, intakeSummary } };
}

export const REPORT_STAGE_URL = new URL('../../stages/report/stage.ts', import.meta.url).href;
const resultsSchema = JSON.parse(readFileSync(new URL('../../schemas/results.schema.json', import.meta.url), 'utf8'));

/** The report stage run on a fixture: the page, and results.json as text and parsed. */
export async function renderReport(fx: ReportFixture) {
  const r = await runStageDirect(reportStage, REPORT_STAGE_URL, { inputs: fx.inputs });
  const html = readFileSync(r.outputs.report!, 'utf8');
  const resultsText = readFileSync(r.outputs.results!, 'utf8');
  // read loosely, as the tests of this folder read it
  return { html, resultsText, results: JSON.parse(resultsText) as any };
}

/** results.json against schemas/results.schema.json. */
export function validateResults(results: unknown): void {
  const ajv = new Ajv2020({ allErrors: true });
  const v = ajv.compile(resultsSchema);
  assert.ok(v(results), ajv.errorsText(v.errors));
}
