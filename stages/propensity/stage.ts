// The propensity stage: the cohort's linked index events against the national comparison pool.
// Logistic propensity model, caliper matching on the logit with replacement and exact strata,
// ATT weights, balance before and after (methodology.md §6). Outputs are a pure function of the
// inputs: rows are ordered by event_id, all arithmetic is in JS over typed arrays (summed in
// fixed segments, so the same bits on any number of worker threads), and DuckDB only selects rows.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineStage } from '../../src/stage.ts';
import { loadDesign } from './design.ts';
import { WITHDRAWN_INPUT, readWithdrawn } from '../purge/withdrawal.ts';
import { writeMatchedArrow } from './matched-arrow.ts';
import type { ModelSpec } from './model-terms.ts';
import { balanceJson, DEFAULT_OPTIONS, modelJson, modelNotes, runPsm, type PsmOptions } from './psm.ts';
import { scoreOverlap } from './overlap.ts';
import { snakeCaseKeys } from './outputs.ts';

export type PropensityParams = {
  numeric: string[];
  factors: string[];
  /** How each numeric covariate enters the model (model-terms.ts); unlisted ones are linear. */
  model: ModelSpec;
  /** Rounds of balance-driven refinement (psm.ts refineForBalance); 0 for none. */
  refineRounds: number;
  /** Comparators outside the treated range of these numeric covariates are removed (design.ts). */
  rangeSupport: string[];
  /** Exact-matching columns (strata). */
  exact: string[];
  method: 'caliper' | 'nearest';
  /** In SD of the logit over all rows; null for none (nearest only). */
  caliper: number | null;
  ratio: number;
  replace: boolean;
  distance: 'logit' | 'probability';
  /** Remove comparators in factor levels no treated person has (see design.ts). */
  pruneLevels: boolean;
  maxIterations: number;
  smdWellMatched: number;
  smdAcceptable: number;
};

export const DEFAULT_PARAMS: PropensityParams = {
  numeric: [
    'age_index',
    'prev_offences',
    'prev_convictions',
    'prev_cautions',
    'prev_custody',
    'age_first_offence',
    'offending_rate',
    'sentence_months',
    'employed_days_1y',
    'benefit_days_1y',
  ],
  // The year of the index date as a factor: a period effect need not be linear. With a period
  // inside one calendar year it has one level and simply no column (noted in the model output).
  // The exact-matching columns are in the model too (as MatchIt puts them in its formula):
  // matching within a stratum on a score that ignores the stratum leaves the groups unbalanced
  // on whatever the stratum shifts (custody, for one).
  factors: ['ethnicity', 'nationality', 'region', 'index_offence_type', 'index_year', 'gender', 'sentence_type'],
  // See model-terms.ts for why each form.
  model: {
    age_index: ['spline'],
    prev_offences: ['log1p', 'any'],
    prev_convictions: ['log1p'],
    prev_cautions: ['log1p', 'any'],
    prev_custody: ['log1p', 'any'],
    age_first_offence: ['spline'],
    offending_rate: ['linear'],
    sentence_months: ['log1p'],
    employed_days_1y: ['share_of_year', 'any'],
    benefit_days_1y: ['share_of_year', 'any'],
  },
  refineRounds: 2,
  rangeSupport: ['age_index'],
  exact: ['gender', 'sentence_type'],
  method: 'caliper',
  caliper: 0.2,
  ratio: 1,
  replace: true,
  distance: 'logit',
  pruneLevels: true,
  maxIterations: 25,
  smdWellMatched: 0.05,
  smdAcceptable: 0.1,
};

interface AnalysisPeriod {
  from: string;
  to: string;
}

export default defineStage<PropensityParams>({
  name: 'propensity',
  description: 'Propensity score model, caliper matching with ATT weights, and balance',
  inputs: { links: 'linkage.links', events: 'register.events', request: 'intake.request', withdrawn: WITHDRAWN_INPUT },
  optionalInputs: ['withdrawn'],
  outputs: {
    matched: { format: 'arrow', classification: 'pseudonymised', key: ['event_id'], description: 'matched treated and comparison events: event_id, treated, weight, score (logit)' },
    model: { format: 'json', classification: 'aggregate', description: 'propensity model coefficients, fit, matching settings and counts' },
    balance: { format: 'json', classification: 'aggregate', description: 'standardised mean differences before and after matching, variance ratios, weighted means, flags' },
  },
  code: ['./inputs.sql'],
  params: DEFAULT_PARAMS,
  // DuckDB only selects, casts, counts and orders rows here (every row order is fixed by an
  // ORDER BY event_id); all floating-point arithmetic is JS over typed arrays in fixed segments
  // (src/parallel.ts), so two threads cannot change an output byte and make loading a national
  // pool faster.
  duckdb: { threads: 2 },
  async run({ db, inputs, outputs, params, dir, log }) {
    const p = { ...DEFAULT_PARAMS, ...params };
    const request = JSON.parse(readFileSync(inputs.request!, 'utf8')) as { analysis_period?: AnalysisPeriod };
    const period = request.analysis_period;
    if (!period?.from || !period?.to) throw new Error('intake.request has no analysis_period {from, to}');
    const withdrawn = readWithdrawn(inputs.withdrawn).register_ids;
    await db.file(join(dir, 'inputs.sql'), { links: inputs.links!, events: inputs.events!, period_from: period.from, period_to: period.to, withdrawn: JSON.stringify(withdrawn) });
    const missing = await db.one<{ n: number }>(
      'SELECT count(*)::INTEGER AS n FROM psm_treated WHERE event_id NOT IN (SELECT event_id FROM psm_input)',
    );
    const linkedEvents = await db.one<{ n: number }>('SELECT count(*)::INTEGER AS n FROM psm_treated');

    const options: PsmOptions = {
      method: p.method,
      caliper: p.caliper,
      ratio: p.ratio,
      replace: p.replace,
      distance: p.distance,
      exact: p.exact,
      maxIterations: p.maxIterations,
      thresholds: { wellMatched: p.smdWellMatched, acceptable: p.smdAcceptable },
      model: p.model,
      dropAliased: true,
      refineRounds: p.refineRounds,
    };
    if (options.method === 'caliper' && options.caliper === null) options.caliper = DEFAULT_OPTIONS.caliper;
    const design = await loadDesign(db, {
      table: 'psm_input',
      order: 'event_id',
      treatment: '__treated',
      numeric: p.numeric,
      factors: p.factors,
      exact: p.exact,
      id: { column: 'event_id', kind: 'bigint' },
      pruneLevels: p.pruneLevels,
      rangeSupport: p.rangeSupport,
    });
    log.info(`${design.treat.reduce((a, b) => a + b, 0)} treated, ${design.n} rows, ${design.columns.length} model columns`);
    const result = runPsm(design, options);
    const model = modelJson(design, result, options);
    const out = {
      ...model,
      // withdrawn: how many people the provider withdrew (a count, never who): the report tells a
      // provider-side change from an analysis change by it and the intake's cohort fingerprint.
      cohort: { linkedEvents: linkedEvents!.n, linkedEventsNotInRegister: missing!.n, withdrawn: withdrawn.length },
      // For the report's overlap plot: binned shares only.
      overlap: scoreOverlap(result.logit, design.treat, result.match.weight),
    };
    writeFileSync(outputs.model!, JSON.stringify(snakeCaseKeys(out), null, 2) + '\n');
    writeFileSync(outputs.balance!, JSON.stringify(snakeCaseKeys(balanceJson(result, modelNotes(design, result))), null, 2) + '\n');
    const rows = writeMatchedArrow(outputs.matched!, { idName: 'event_id', ids: design.ids!, treat: design.treat, weight: result.match.weight, score: result.logit });
    const c = result.match.counts;
    for (const note of model.model.notes) log.info(note);
    log.info(`${c.treatedMatched} of ${c.treated} treated matched (${c.treatedOffSupport} off support), ${c.comparisonMatched} comparators used; max |SMD| after ${result.balance.maxAbsSmdAfter.toFixed(3)}`);
    return {
      rows: { matched: rows },
      summary: snakeCaseKeys({
        treated: c.treated,
        treatedMatched: c.treatedMatched,
        treatedOffSupport: c.treatedOffSupport,
        comparisonMatched: c.comparisonMatched,
        maxAbsSmdAfter: result.balance.maxAbsSmdAfter,
        poorlyBalanced: result.balance.flags.poor,
      }),
    };
  },
});
