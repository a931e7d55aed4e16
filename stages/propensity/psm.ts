// One propensity-score analysis on a loaded design: fit the logistic model, take its linear
// predictor as the distance, match, and measure balance. Shared by the stage and the `psm`
// command, so both give the same numbers for the same table and options.
import { balanceTable, type BalanceColumn, type BalanceSummary } from './balance.ts';
import type { Design } from './design.ts';
import { fitLogistic, LogisticError, normalPValue, type LogisticFit } from './logistic.ts';
import { matchUnits, type MatchMethod, type MatchResult } from './match.ts';
import { centredSquare, modelTerms, type ModelColumn, type ModelSpec } from './model-terms.ts';
import { sharedFloat64 } from '../../src/parallel.ts';

export interface PsmOptions {
  method: MatchMethod;
  /** In SD of the distance; null = none (only for 'nearest'). */
  caliper: number | null;
  ratio: number;
  replace: boolean;
  /** Match on the logit of the score (default) or on the score itself (MatchIt's default distance). */
  distance: 'logit' | 'probability';
  exact: string[];
  maxIterations: number;
  thresholds: { wellMatched: number; acceptable: number };
  /** How numeric covariates enter the model (model-terms.ts); absent = all linear. */
  model?: ModelSpec;
  /**
   * Drop a constant column, or one that is a linear combination of earlier ones, with a note,
   * and fit without it (as glm reports an aliased coefficient as NA), instead of failing.
   */
  dropAliased?: boolean;
  /** Rounds of the balance-driven refinement (0 = none); see refineForBalance. */
  refineRounds?: number;
}

export const DEFAULT_OPTIONS: PsmOptions = {
  method: 'caliper',
  caliper: 0.2,
  ratio: 1,
  replace: true,
  distance: 'logit',
  exact: [],
  maxIterations: 25,
  thresholds: { wellMatched: 0.05, acceptable: 0.1 },
  dropAliased: false,
  refineRounds: 0,
};

/** A model column left out of the fit, and why. */
export interface DroppedColumn {
  column: string;
  covariate: string;
  reason: 'constant' | 'collinear' | 'separating';
  /** For a collinear column: the earlier columns it is a combination of. */
  with: string[];
  note: string;
}

/** One round of the balance-driven refinement. */
export interface RefinementRound {
  round: number;
  /** Covariates at or above the well-matched threshold after the previous fit. */
  above: string[];
  added: string[];
  maxAbsSmdBefore: number;
  maxAbsSmdAfter: number | null;
  kept: boolean;
}

export interface PsmResult {
  fit: LogisticFit;
  /** The model's columns as fitted (after drops and refinement). */
  columns: ModelColumn[];
  knots: Record<string, number[]>;
  dropped: DroppedColumn[];
  refinement: RefinementRound[];
  /** Per design row: the logit of the propensity score. */
  logit: Float64Array;
  match: MatchResult;
  balance: BalanceSummary;
}

/**
 * Balance columns: every numeric covariate, every level of every factor (reference too), and the
 * model's indicators of "any" (e.g. `employed_days_1y>0`), which are covariates in their own right.
 */
export function balanceColumns(design: Design, model: ModelColumn[] = []): BalanceColumn[] {
  const out: BalanceColumn[] = [];
  for (const term of design.terms) {
    if (term.kind === 'numeric') {
      out.push({ name: term.name, term: term.name, values: design.columns[term.columns[0]!]! });
      for (const c of model) if (c.term === term.name && c.transform === 'any') out.push({ name: c.name, term: term.name, values: c.values });
      continue;
    }
    const levels = term.levels!;
    const codes = term.codes!;
    for (let level = 0; level < levels.length; level++) {
      const values = sharedFloat64(design.n);
      for (let i = 0; i < design.n; i++) if (codes[i] === level) values[i] = 1;
      out.push({ name: `${term.name}=${levels[level]}`, term: term.name, values });
    }
  }
  return out;
}

/**
 * Fit, leaving out (with a note) each column that is constant or a linear combination of earlier
 * columns, one at a time in column order, as R's glm aliases them. Other problems (separation,
 * no convergence) still fail: they need the analyst's decision.
 */
function fitDropping(columns: ModelColumn[], design: Design, options: PsmOptions, dropped: DroppedColumn[]): { fit: LogisticFit; columns: ModelColumn[] } {
  let cols = columns;
  for (;;) {
    try {
      const fit = fitLogistic(cols.map((c) => c.values), design.treat, cols.map((c) => c.name), { maxIterations: options.maxIterations });
      return { fit, columns: cols };
    } catch (error) {
      if (!options.dropAliased || !(error instanceof LogisticError) || !error.covariates.length) throw error;
      const name = error.covariates[0]!;
      const at = cols.findIndex((c) => c.name === name);
      if (at < 0) throw error;
      // A column the specification derived (an indicator of any, a spline or square term) that
      // separates the groups on its own says only that no treated person is on one side of it,
      // which the matching handles anyway (no comparator there is ever close): it is left out.
      // A covariate the analyst chose that separates the groups still fails: that needs a decision.
      const derived = ['any', 'spline', 'square'].includes(cols[at]!.transform);
      const reason = error.problem === 'constant' ? 'constant' : error.problem === 'singular' ? 'collinear' : error.problem === 'separation' && derived ? 'separating' : null;
      if (!reason) throw error;
      const partners = reason === 'collinear' ? error.covariates.slice(1) : [];
      dropped.push({
        column: name,
        covariate: cols[at]!.term,
        reason,
        with: partners,
        note:
          reason === 'constant'
            ? `“${name}” has the same value for every person in the model, so it cannot be estimated and was left out of the model`
            : reason === 'collinear'
              ? `“${name}” is a linear combination of ${partners.length ? partners.map((p) => `“${p}”`).join(', ') : 'earlier columns'}, so it was left out of the model`
              : `“${name}” separates the groups on its own (the treatment group has no one on one side of it), so it was left out of the model`,
      });
      cols = cols.filter((_, j) => j !== at);
    }
  }
}

function matchAndBalance(design: Design, fit: LogisticFit, options: PsmOptions, model: ModelColumn[]): { logit: Float64Array; match: MatchResult; balance: BalanceSummary } {
  const logit = fit.linearPredictor;
  let distance = logit;
  if (options.distance === 'probability') {
    distance = new Float64Array(logit.length);
    for (let i = 0; i < logit.length; i++) distance[i] = 1 / (1 + Math.exp(-logit[i]!));
  }
  const match = matchUnits(distance, design.treat, design.stratum, {
    method: options.method,
    caliper: options.caliper,
    ratio: options.ratio,
    replace: options.method === 'caliper' ? true : options.replace,
  });
  const balance = balanceTable(balanceColumns(design, model), design.treat, match.weight, options.thresholds);
  return { logit, match, balance };
}

export function runPsm(design: Design, options: PsmOptions): PsmResult {
  const terms = modelTerms(design, options.model);
  const dropped: DroppedColumn[] = [];
  let { fit, columns } = fitDropping(terms.columns, design, options, dropped);
  let current = { ...matchAndBalance(design, fit, options, terms.columns), fit, columns };
  const refinement: RefinementRound[] = [];
  for (let round = 1; round <= (options.refineRounds ?? 0); round++) {
    const step = refineForBalance(design, current.columns, current.balance, current.match.weight, options, round);
    if (!step) break;
    let next: typeof current;
    const refitDropped: DroppedColumn[] = [];
    try {
      const refit = fitDropping(step.columns, design, options, refitDropped);
      next = { ...matchAndBalance(design, refit.fit, options, terms.columns), fit: refit.fit, columns: refit.columns };
    } catch (error) {
      if (!(error instanceof LogisticError)) throw error;
      refinement.push({ ...step.round, maxAbsSmdAfter: null, kept: false });
      break;
    }
    const kept = next.balance.maxAbsSmdAfter < current.balance.maxAbsSmdAfter;
    refinement.push({ ...step.round, maxAbsSmdAfter: next.balance.maxAbsSmdAfter, kept });
    if (!kept) break;
    current = next;
    // a square that turned out constant or collinear was left out of the kept model: say so
    for (const d of refitDropped) if (!dropped.some((x) => x.column === d.column)) dropped.push(d);
  }
  return { fit: current.fit, logit: current.logit, match: current.match, balance: current.balance, columns: current.columns, knots: terms.knots, dropped, refinement };
}

/**
 * The balance-driven refinement, deterministic. A numeric covariate qualifies when, after
 * matching, its |SMD| or the |SMD| of its centred square (its spread, which a mean does not show)
 * is at or above the well-matched threshold; each qualifying covariate gets the centred square of
 * its main model column (the first one: log1p, share of the year or the covariate itself) added,
 * if the model does not have it yet; then the model is refitted and rematched. The new model is
 * kept only if the largest |SMD| after matching falls; otherwise the refinement stops with the
 * previous one. Binary covariates (factor levels, indicators) are columns of the model already,
 * so a square adds nothing for them; they are listed but left alone.
 */
function refineForBalance(design: Design, columns: ModelColumn[], balance: BalanceSummary, weight: Float64Array, options: PsmOptions, round: number): { columns: ModelColumn[]; round: Omit<RefinementRound, 'maxAbsSmdAfter' | 'kept'> } | null {
  const t = options.thresholds.wellMatched;
  const numeric = design.terms.filter((x) => x.kind === 'numeric');
  const squares = balanceTable(
    numeric.map((x) => {
      const sq = centredSquare({ name: x.name, term: x.name, transform: 'linear', values: design.columns[x.columns[0]!]! });
      return { name: x.name, term: x.name, values: sq.values };
    }),
    design.treat,
    weight,
    options.thresholds,
  );
  const spreadOff = new Set(squares.rows.filter((r) => !r.binary && Math.abs(r.after.smd) >= t).map((r) => r.covariate));
  const meanOff = new Set(balance.rows.filter((r) => !r.binary && Math.abs(r.after.smd) >= t).map((r) => r.covariate));
  const above = [
    ...balance.rows.filter((r) => Math.abs(r.after.smd) >= t).map((r) => r.covariate),
    ...[...spreadOff].filter((c) => !meanOff.has(c)).map((c) => `(${c})^2`),
  ];
  if (!above.length) return null;
  const added: ModelColumn[] = [];
  for (const term of numeric) {
    if (!meanOff.has(term.name) && !spreadOff.has(term.name)) continue;
    const main = columns.find((c) => c.term === term.name && c.transform !== 'any' && c.transform !== 'spline' && c.transform !== 'square');
    if (!main) continue;
    const square = centredSquare(main);
    if (columns.some((c) => c.name === square.name)) continue;
    added.push(square);
  }
  if (!added.length) return null;
  return { columns: [...columns, ...added], round: { round, above, added: added.map((c) => c.name), maxAbsSmdBefore: balance.maxAbsSmdAfter } };
}

/** JSON numbers: NaN and infinities have no JSON form, so they become null. */
function num(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

export function modelJson(design: Design, result: PsmResult, options: PsmOptions) {
  const { fit, match } = result;
  const termOf = (name: string) => (name === '(Intercept)' ? '(Intercept)' : (result.columns.find((c) => c.name === name)?.term ?? name));
  return {
    model: {
      family: 'binomial',
      link: 'logit',
      estimation: 'Newton-Raphson (IRLS) on standardised columns, results on the original scale',
      converged: fit.converged,
      iterations: fit.iterations,
      n: fit.n,
      treated: fit.nTreated,
      comparison: fit.n - fit.nTreated,
      logLik: num(fit.logLik),
      deviance: num(fit.deviance),
      nullDeviance: num(fit.nullDeviance),
      aic: num(fit.aic),
      coefficients: fit.names.map((name, j) => {
        const estimate = fit.coefficients[j]!;
        const se = fit.standardErrors[j]!;
        const z = estimate / se;
        return { name, term: termOf(name), estimate: num(estimate), se: num(se), z: num(z), p: num(normalPValue(z)) };
      }),
      terms: design.terms.map((t) =>
        t.kind === 'numeric'
          ? { name: t.name, kind: t.kind }
          : { name: t.name, kind: t.kind, reference: t.levels![0]!, levels: t.levels!.map((level, k) => ({ level, n: t.levelCounts![k]! })) },
      ),
      exclusions: design.exclusions,
      specification: {
        transforms: Object.fromEntries(design.terms.filter((t) => t.kind === 'numeric').map((t) => [t.name, options.model?.[t.name] ?? ['linear']])),
        splineKnots: result.knots,
        columns: result.columns.map((c) => ({ name: c.name, covariate: c.term, form: c.transform })),
      },
      /** Columns left out because they were constant or collinear (never a failure). */
      dropped: result.dropped,
      refinement: result.refinement,
      notes: modelNotes(design, result),
    },
    matching: {
      method: options.method,
      distance: options.distance,
      caliper: options.caliper,
      caliperWidth: num(match.caliperWidth ?? NaN),
      distanceSd: num(match.distanceSd),
      ratio: options.method === 'nearest' ? options.ratio : null,
      replace: options.method === 'caliper' ? true : options.replace,
      exact: options.exact,
      order: options.method === 'nearest' ? 'largest distance first; equal distances in input order' : null,
      weights: 'ATT: treated 1; comparator sum of 1/k over the treated it matches; comparator weights sum to the matched treated',
      counts: {
        treated: match.counts.treated,
        treatedMatched: match.counts.treatedMatched,
        treatedOffSupport: match.counts.treatedOffSupport,
        comparison: match.counts.comparison,
        comparisonMatched: match.counts.comparisonMatched,
      },
      strata: match.counts.strata.map((s) => ({
        stratum: design.strata[s.stratum]!,
        treated: s.treated,
        treatedMatched: s.treatedMatched,
        comparison: s.comparison,
        comparisonMatched: s.comparisonMatched,
      })),
    },
  };
}

/** Notes on the model for the report's annex: columns left out, and factors with one level. */
export function modelNotes(design: Design, result: PsmResult): string[] {
  return [
    ...result.dropped.map((d) => d.note),
    ...design.terms
      .filter((t) => t.kind === 'factor' && t.levels!.length === 1)
      .map((t) => `“${t.name}” has only one level among the people modelled, so it has no column in the model`),
  ];
}

export function balanceJson(result: PsmResult, notes: string[] = []) {
  const b = result.balance;
  const side = (s: { meanTreated: number; meanComparison: number; smd: number; varianceRatio: number | null }) => ({
    meanTreated: num(s.meanTreated),
    meanComparison: num(s.meanComparison),
    smd: num(s.smd),
    varianceRatio: s.varianceRatio === null ? null : num(s.varianceRatio),
  });
  return {
    smdDefinition: "(treated mean - weighted comparison mean) / treated SD in the full sample; sqrt(p(1-p)) for binary covariates (MatchIt's ATT standardisation)",
    smdStandardDeviation: 'treated',
    /** The propensity model's notes (columns left out, one-level factors), for the report's annex. */
    modelNotes: notes,
    smdNote: 'The standardised difference divides by the standard deviation of the treatment group before matching (as MatchIt does for the average effect on the treated), the same denominator before and after matching, not by a pooled standard deviation of both groups.',
    thresholds: b.thresholds,
    maxAbsSmdBefore: num(b.maxAbsSmdBefore),
    maxAbsSmdAfter: num(b.maxAbsSmdAfter),
    flags: b.flags,
    sampleSizes: b.sampleSizes,
    covariates: b.rows.map((r) => ({ covariate: r.covariate, term: r.term, binary: r.binary, before: side(r.before), after: side(r.after), flag: r.flag })),
  };
}
