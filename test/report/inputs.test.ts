// Readers of the upstream summaries: the shapes propensity, linkage and intake write, and clear
// errors (file and field) when a file has nothing usable.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readBalance, readIntakeSummary, readMatchReport, readMetrics } from '../../stages/report/inputs.ts';
import { buildAttrition } from '../../stages/report/view.ts';

test('balance: propensity shape, SMD fractions shown as per cent', () => {
  const rows = readBalance({
    thresholds: { well_matched: 0.05, acceptable: 0.1 },
    covariates: [{ covariate: 'age_index', term: 'age_index', binary: false, before: { smd: 0.31, variance_ratio: 1.2 }, after: { smd: -0.012, variance_ratio: 1.04 }, flag: 'well_matched' }],
  });
  assert.equal(rows, [{ name: 'age_index', smdBefore: 31, smdAfter: -1.2, varianceRatioAfter: 1.04 }]);
  // One spelling only: another spelling of a field is an error, not a silent fallback.
  assert.throws(() => readBalance({ rows: [{ name: 'x', smd_after: 0.07 }] }), /balance: no covariates/);
  assert.throws(() => readBalance({ covariates: [{ covariate: 'x', after: { smdAfter: 0.07 } }] }), /balance: covariates\[0\] lacks covariate or after\.smd/);
  assert.throws(() => readBalance({}), /balance: no covariates/);
});

test('match report: linkage shape, the submitted step is a total, not a loss', () => {
  const m = readMatchReport({
    cohort_rows: 200,
    linked: 150,
    attrition: [
      { step: 'submitted', remaining: 200, rate: 1 },
      { step: 'no_match', lost: 30, lost_rate: 0.15, remaining: 170, rate: 0.85 },
      { step: 'suspect', lost: 20, lost_rate: 0.1, remaining: 150, rate: 0.75 },
    ],
    by_tier: [{ tier: 'pnc', matched: 100, linked: 90 }, { tier: 'exact', matched: 70, linked: 60 }],
  });
  assert.equal(m, { submitted: 200, linked: 150, tiers: [{ tier: 'pnc', count: 90 }, { tier: 'exact', count: 60 }], losses: [{ reason: 'no_match', count: 30 }, { reason: 'suspect', count: 20 }], linkageModel: null });
  assert.throws(() => readMatchReport({ by_tier: [], attrition: [{ step: 'no_match' }] }), /matchReport: attrition\[0\] \(no_match\) lacks lost/);
  assert.throws(() => readMatchReport({ tiers: [], attrition: [] }), /matchReport: by_tier missing/);
});

test('match report: the linkage model and its histogram are read when present, and a malformed one is named', () => {
  const base = { cohort_rows: 10, linked: 8, attrition: [{ step: 'submitted', remaining: 10, rate: 1 }], by_tier: [] };
  const model = {
    method: 'fellegi-sunter', threshold_probability: 0.95, expected_match_share: 0.9, lambda: 1e-6, swap_penalty_bits: 1,
    extra_evidence_bits: { date: 5 }, training: { random_pairs: 100, m_from: 'built-in prior' },
    comparisons: [{ comparison: 'dob', levels: [{ level: 5, label: 'exact', m: 0.93, u: 0.0001, log2_bf: 13.2 }] }],
  };
  const m = readMatchReport({ ...base, model, weight_histogram: [{ from_bits: 10, to_bits: 12, linked: 7, discarded: 0 }] });
  assert.equal(m.linkageModel, {
    method: 'fellegi-sunter', thresholdProbability: 0.95, expectedMatchShare: 0.9, swapPenaltyBits: 1, extraEvidenceBits: { date: 5 },
    training: { random_pairs: 100, m_from: 'built-in prior' },
    comparisons: [{ comparison: 'dob', levels: [{ level: 5, label: 'exact', m: 0.93, u: 0.0001, bits: 13.2 }] }],
    histogram: [{ fromBits: 10, toBits: 12, found: 7, discarded: 0 }],
  });
  assert.is(readMatchReport({ ...base, model }).linkageModel!.histogram, null, 'a model without a histogram');
  assert.throws(() => readMatchReport({ ...base, model: { ...model, comparisons: undefined } }), /matchReport: model\.comparisons missing/);
  assert.throws(() => readMatchReport({ ...base, model: { ...model, comparisons: [{ comparison: 'dob', levels: [{ level: 5, label: 'exact', m: 0.93 }] }] } }), /model\.comparisons\[0\]\.levels\[0\] lacks/);
  assert.throws(() => readMatchReport({ ...base, model, weight_histogram: [{ from_bits: 12, to_bits: 10, linked: 1, discarded: 0 }] }), /weight_histogram\[0\]/);
});

test('attrition adds the common-support loss so the chevron sums to the treatment group', () => {
  const intake = readIntakeSummary({ status: 'accepted', counts: { submitted: 220, usable: 200, unusable: 20, duplicates: 3 } });
  const match = { submitted: 200, linked: 150, tiers: [], losses: [{ reason: 'no_match', count: 30 }, { reason: 'suspect', count: 20 }] };
  const a = buildAttrition(intake, match, 140, 5000);
  assert.equal(a.steps.map((s) => [s.count, s.text]), [
    ['20', 'had missing or invalid details'],
    ['30', 'could not be found on the national offender register'],
    ['20', 'had only an uncertain match to the register'],
    ['10', 'had no similar person available for the comparison group'],
  ]);
  assert.equal(a.treatment, { n: 140, count: '140', percent: '64%' });
  assert.is(a.comparison, '5,000');
  assert.throws(() => readIntakeSummary({ counts: { submitted: 1 } }), /intakeSummary: counts.usable missing/);
});

test('metrics: only our own format and version', () => {
  assert.throws(() => readMetrics({ format: 'other' }), /not a jdl-metrics file/);
  assert.throws(() => readMetrics({ format: 'jdl-metrics', version: 1, analyses: [] }), /version 1 is not supported/);
});

test.run();
