// One propensity-score analysis on a loaded design: fit the logistic model, take its linear
// predictor as the distance, match, and measure balance. Shared by the stage and the `psm`
// command, so both give the same numbers for the same table and options.
import { balanceTable, type BalanceColumn, type BalanceSummary } from './balance.ts';
import type { Design } from './design.ts';
import { fitLogistic, normalPValue, type LogisticFit } from './logistic.ts';
import { matchUnits, type MatchMethod, type MatchResult } from './match.ts';
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
};

export interface PsmResult {
  fit: LogisticFit;
  /** Per design row: the logit of the propensity score. */
  logit: Float64Array;
  match: MatchResult;
  balance: BalanceSummary;
}

/** Balance columns: every numeric covariate, and every level of every factor (reference too). */
export function balanceColumns(design: Design): BalanceColumn[] {
  const out: BalanceColumn[] = [];
  for (const term of design.terms) {
    if (term.kind === 'numeric') {
      out.push({ name: term.name, term: term.name, values: design.columns[term.columns[0]!]! });
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

export function runPsm(design: Design, options: PsmOptions): PsmResult {
  const fit = fitLogistic(design.columns, design.treat, design.names, { maxIterations: options.maxIterations });
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
  const balance = balanceTable(balanceColumns(design), design.treat, match.weight, options.thresholds);
  return { fit, logit, match, balance };
}

/** JSON numbers: NaN and infinities have no JSON form, so they become null. */
function num(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

export function modelJson(design: Design, result: PsmResult, options: PsmOptions) {
  const { fit, match } = result;
  const termOf = (name: string) => (name === '(Intercept)' ? '(Intercept)' : (design.terms.find((t) => t.columns.some((c) => design.names[c] === name))?.name ?? name));
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

export function balanceJson(result: PsmResult) {
  const b = result.balance;
  const side = (s: { meanTreated: number; meanComparison: number; smd: number; varianceRatio: number | null }) => ({
    meanTreated: num(s.meanTreated),
    meanComparison: num(s.meanComparison),
    smd: num(s.smd),
    varianceRatio: s.varianceRatio === null ? null : num(s.varianceRatio),
  });
  return {
    smdDefinition: "(treated mean - weighted comparison mean) / treated SD in the full sample; sqrt(p(1-p)) for binary covariates (MatchIt's ATT standardisation)",
    thresholds: b.thresholds,
    maxAbsSmdBefore: num(b.maxAbsSmdBefore),
    maxAbsSmdAfter: num(b.maxAbsSmdAfter),
    flags: b.flags,
    sampleSizes: b.sampleSizes,
    covariates: b.rows.map((r) => ({ covariate: r.covariate, term: r.term, binary: r.binary, before: side(r.before), after: side(r.after), flag: r.flag })),
  };
}
