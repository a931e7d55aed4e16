// Logistic regression by Newton's method (IRLS), over typed-array columns.
//
// Why this shape:
// - Columns are centred and scaled internally (z = (x - mean) / sd). Newton's method is invariant
//   to that change of variables, but the Hessian is far better conditioned, so collinearity and
//   separation are judged on a common scale. Coefficients and their covariance are mapped back to
//   the original scale exactly (a linear map), so results equal R's glm(family = binomial).
// - Passes over the data (logistic-passes.ts) are blocked for the cache and split into fixed
//   segments that worker threads share (src/parallel.ts), with the same result on any number of
//   threads. The Hessian, the costly part, is only
//   recomputed when the previous one stops giving fast convergence; on large tables a subsample
//   fit gives the starting point. The optimum is the same; only the number of passes changes.
// - Convergence is judged on the step, not only on the deviance as glm does: the iterations stop
//   when a step is below `stepTolerance` on the standardised scale, and then one more full
//   Newton step is taken with the Hessian computed for the standard errors, which squares the
//   remaining error. Under (quasi-)complete separation the separating coefficient keeps moving
//   by about 1 per iteration while the deviance barely changes (glm stops there, with a huge
//   coefficient); here the steps never get small, and that is how separation is recognised.
import { sharedFloat64 } from '../../src/parallel.ts';
import { columnStats, gradientPass, hessianPass, predictorPass, type Data, type Pass } from './logistic-passes.ts';

export interface LogisticOptions {
  maxIterations?: number;
  /** Relative deviance change, as glm's `epsilon`. */
  tolerance?: number;
  /** Largest Newton step (standardised scale) accepted as converged. */
  stepTolerance?: number;
  /** Residual variance share (1 - R²) below which a column counts as collinear. */
  collinearityTolerance?: number;
}

export interface LogisticFit {
  /** '(Intercept)' first, then the covariate columns. */
  names: string[];
  coefficients: Float64Array;
  standardErrors: Float64Array;
  /** Covariance matrix on the original scale, row-major (p+1)². */
  covariance: Float64Array;
  logLik: number;
  deviance: number;
  nullDeviance: number;
  aic: number;
  /** Newton steps on the full data (after any warm start on a subsample). */
  iterations: number;
  /** Full-data passes that computed the Hessian (the costly part), including the final one for SEs. */
  hessianEvaluations: number;
  converged: boolean;
  n: number;
  nTreated: number;
  /** Per row: the linear predictor, i.e. the logit of the propensity score. */
  linearPredictor: Float64Array;
}

export type LogisticProblem = 'separation' | 'singular' | 'constant' | 'nonconvergence' | 'empty';

export class LogisticError extends Error {
  constructor(
    readonly problem: LogisticProblem,
    message: string,
    readonly covariates: string[] = [],
  ) {
    super(message);
  }
}

/**
 * A model column's name for a message, in typographic double quotes (“prev_offences”). The
 * runner redacts every ASCII-quoted span ('…', "…", `…`), because libraries quote the values they
 * could not use; a column name is not a value, and the analyst needs to learn which covariate is
 * at fault, so our own messages mark names with quotes no library uses for values. (A name equal
 * to a cohort identifier would still be redacted by the runner's second net.) A factor dummy
 * "column=level" keeps its level in ASCII single quotes: a level is a value from the data, and is
 * redacted like one.
 */
export function quoteColumn(name: string): string {
  const eq = name.indexOf('=');
  return eq > 0 ? `“${name.slice(0, eq)}” (level '${name.slice(eq + 1)}')` : `“${name}”`;
}

/**
 * Groups separated by one covariate: every treated value on one side of every comparison value
 * (complete if strictly, quasi-complete if they touch). Then no finite maximum exists.
 */
function checkSingleCovariateSeparation(ranges: Float64Array, names: string[]): void {
  for (let j = 0; j < names.length; j++) {
    const minT = ranges[4 * j]!, maxT = ranges[4 * j + 1]!, minC = ranges[4 * j + 2]!, maxC = ranges[4 * j + 3]!;
    if (maxT < minC || maxC < minT) {
      throw new LogisticError('separation', `complete separation: covariate ${quoteColumn(names[j]!)} alone separates treated from comparison rows (every treated value lies on one side of every comparison value); drop it, or restrict the comparison pool`, [names[j]!]);
    }
    if (maxT <= minC || maxC <= minT) {
      const hint = names[j]!.includes('=') ? ' (a factor level held by only one group)' : '';
      throw new LogisticError('separation', `quasi-complete separation: covariate ${quoteColumn(names[j]!)}${hint} separates treated from comparison rows except at one shared value; drop or merge it, or restrict the comparison pool`, [names[j]!]);
    }
  }
}

/**
 * Cholesky factorisation in place of a symmetric positive definite row-major m×m matrix (lower
 * triangle used). Returns -1 on success, else the index of the first pivot that is not positive
 * relative to `tol` times its diagonal entry.
 */
function cholesky(a: Float64Array, m: number, tol: number): number {
  for (let j = 0; j < m; j++) {
    const diag = a[j * m + j]!;
    let s = diag;
    for (let k = 0; k < j; k++) s -= a[j * m + k]! * a[j * m + k]!;
    if (!(s > tol * Math.max(diag, 1e-300))) return j;
    const l = Math.sqrt(s);
    a[j * m + j] = l;
    for (let i = j + 1; i < m; i++) {
      let t = a[i * m + j]!;
      for (let k = 0; k < j; k++) t -= a[i * m + k]! * a[j * m + k]!;
      a[i * m + j] = t / l;
    }
  }
  return -1;
}

/** Solve L Lᵀ x = b for a Cholesky factor L (lower triangle of row-major `l`). */
function cholSolve(l: Float64Array, m: number, b: Float64Array): Float64Array {
  const x = Float64Array.from(b);
  for (let i = 0; i < m; i++) {
    let s = x[i]!;
    for (let k = 0; k < i; k++) s -= l[i * m + k]! * x[k]!;
    x[i] = s / l[i * m + i]!;
  }
  for (let i = m - 1; i >= 0; i--) {
    let s = x[i]!;
    for (let k = i + 1; k < m; k++) s -= l[k * m + i]! * x[k]!;
    x[i] = s / l[i * m + i]!;
  }
  return x;
}

function cholInverse(l: Float64Array, m: number): Float64Array {
  const inv = new Float64Array(m * m);
  const e = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    e.fill(0);
    e[j] = 1;
    const col = cholSolve(l, m, e);
    for (let i = 0; i < m; i++) inv[i * m + j] = col[i]!;
  }
  return inv;
}

/** One pass over the data at coefficients b (standardised scale, intercept first). */
function newtonPass(data: Data, b: Float64Array, withHessian: boolean): Pass {
  return withHessian ? hessianPass(data, b) : gradientPass(data, b);
}

interface NewtonOutcome {
  b: Float64Array;
  pass: Pass;
  /** The last Hessian computed (not factored). */
  hessian: Float64Array;
  iterations: number;
  hessians: number;
  converged: boolean;
  lastStep: Float64Array;
}

/**
 * Newton iterations from b. To save passes, the Hessian factor is reused while the steps keep
 * shrinking fast (a chord / simplified Newton step only needs the gradient, a third of the
 * work); as soon as a step shrinks by less than a factor 4 the Hessian is recomputed, so it
 * never converges slower than plain Newton by much and keeps Newton's behaviour under separation.
 */
function newton(data: Data, start: Float64Array, names: string[], options: Required<LogisticOptions>, checkFirst: boolean, startHessian?: Float64Array): NewtonOutcome {
  const m = data.x.length + 1;
  let b = Float64Array.from(start);
  let pass: Pass;
  let hessian: Float64Array;
  let hessians = 0;
  if (startHessian) {
    // A good approximation of the Hessian (from the warm start): only the gradient is needed.
    pass = newtonPass(data, b, false);
    hessian = startHessian;
  } else {
    pass = newtonPass(data, b, true);
    hessian = pass.hessian!;
    hessians++;
    if (checkFirst) checkCollinearity(hessian, m, names, options.collinearityTolerance);
  }
  let factor = factorHessian(hessian, m, names);
  let iterations = 0;
  let converged = false;
  let previousStep = Infinity;
  const lastStep = new Float64Array(m);
  while (iterations < options.maxIterations) {
    iterations++;
    const step = cholSolve(factor, m, pass.gradient);
    let fullStep = 0;
    for (let j = 0; j < m; j++) fullStep = Math.max(fullStep, Math.abs(step[j]!));
    if (fullStep < options.stepTolerance) {
      // Converged: a step this small changes the deviance only in the second order. The caller's
      // closing pass evaluates the new point (and takes a last full Newton step from it), so no
      // pass is spent here.
      b = Float64Array.from(b, (v, j) => v + step[j]!);
      lastStep.set(step);
      converged = true;
      break;
    }
    // Step halving keeps the log-likelihood from decreasing (as glm does on divergence).
    const next = new Float64Array(m);
    let nextPass: Pass | undefined;
    let scale = 1;
    for (let halvings = 0; halvings < 30; halvings++, scale /= 2) {
      for (let j = 0; j < m; j++) next[j] = b[j]! + scale * step[j]!;
      nextPass = newtonPass(data, next, false);
      if (nextPass.logLik >= pass.logLik - 1e-12 * Math.abs(pass.logLik)) break;
    }
    let maxStep = 0;
    for (let j = 0; j < m; j++) {
      lastStep[j] = scale * step[j]!;
      maxStep = Math.max(maxStep, Math.abs(lastStep[j]!));
    }
    const devOld = -2 * pass.logLik;
    const devNew = -2 * nextPass!.logLik;
    b = next;
    pass = nextPass!;
    if (Math.abs(devNew - devOld) / (Math.abs(devNew) + 0.1) < options.tolerance && maxStep < options.stepTolerance) {
      converged = true;
      break;
    }
    // (A step below the tolerance is caught before its pass, above; this catches halved ones.)
    if (maxStep > previousStep / 4 || scale < 1) {
      pass = newtonPass(data, b, true);
      hessian = pass.hessian!;
      hessians++;
      factor = factorHessian(hessian, m, names);
    }
    previousStep = maxStep;
  }
  return { b, pass, hessian, iterations, hessians, converged, lastStep };
}

function factorHessian(hessian: Float64Array, m: number, names: string[]): Float64Array {
  const l = Float64Array.from(hessian);
  const bad = cholesky(l, m, 1e-13);
  if (bad >= 0) {
    const name = bad === 0 ? '(Intercept)' : names[bad - 1]!;
    throw new LogisticError('separation', `the information matrix became singular at ${quoteColumn(name)} during fitting: fitted probabilities reached 0 or 1, which indicates (quasi-)complete separation involving ${quoteColumn(name)}`, bad === 0 ? [] : [name]);
  }
  return l;
}

/** Rows kept for the warm start: every k-th row, about this many. */
const WARM_START_ROWS = 50_000;

export function fitLogistic(columns: Float64Array[], y: Uint8Array, names: string[], options: LogisticOptions = {}): LogisticFit {
  const n = y.length;
  const opts: Required<LogisticOptions> = {
    maxIterations: options.maxIterations ?? 25,
    tolerance: options.tolerance ?? 1e-8,
    // The closing Newton step squares the remaining error, so on large tables (where each pass
    // costs) iterating to 1e-4 gives coefficients to about 1e-8; the standard errors, from the
    // Hessian one step before, are then good to about 1e-5 relative (glm's default stopping rule
    // gives about the same). Small tables iterate to 1e-7.
    stepTolerance: options.stepTolerance ?? (n > 2 * WARM_START_ROWS ? 1e-4 : 1e-7),
    collinearityTolerance: options.collinearityTolerance ?? 1e-9,
  };
  const p = columns.length;
  const m = p + 1;
  if (names.length !== p) throw new Error('fitLogistic: one name per column is required');
  for (const c of columns) if (c.length !== n) throw new Error('fitLogistic: columns and y differ in length');
  let nTreated = 0;
  for (let i = 0; i < n; i++) nTreated += y[i]!;
  if (n === 0 || nTreated === 0 || nTreated === n) throw new LogisticError('empty', `cannot fit a propensity model with ${nTreated} treated of ${n} rows: both groups are needed`);

  // Standardise. A column without variation cannot be estimated alongside the intercept. The
  // same pass collects each group's range, for the single-covariate separation check.
  const mean = new Float64Array(p);
  const sd = new Float64Array(p);
  const { sum, sumSquares, ranges } = columnStats(columns, y);
  for (let j = 0; j < p; j++) {
    const x = columns[j]!;
    const mu = sum[j]! / n;
    // Any scale near the SD standardises well enough (the results are mapped back with the same
    // mean and scale), so the one-pass variance is used unless cancellation could have spoilt it
    // (a large mean beside a small spread), where the two-pass form is computed.
    let variance = sumSquares[j]! / n - mu * mu;
    if (!(variance > 1e-6 * mu * mu)) {
      let ss = 0;
      for (let i = 0; i < n; i++) ss += (x[i]! - mu) * (x[i]! - mu);
      variance = ss / n;
    }
    mean[j] = mu;
    sd[j] = Math.sqrt(variance);
    if (!(sd[j]! > 0)) throw new LogisticError('constant', `singular design: covariate ${quoteColumn(names[j]!)} has the same value in every row, so it cannot be estimated beside the intercept; drop it`, [names[j]!]);
  }
  checkSingleCovariateSeparation(ranges, names);
  const inv = sd.map((v) => 1 / v);
  const data: Data = { x: columns, mean, inv, y, n };

  // Start at the null model: intercept = logit of the treated share, slopes 0.
  const share = nTreated / n;
  let start: Float64Array = new Float64Array(m);
  start[0] = Math.log(share / (1 - share));
  const nullDeviance = -2 * (nTreated * Math.log(share) + (n - nTreated) * Math.log(1 - share));

  // On a large table, first fit a systematic subsample (every k-th row): its optimum is close to
  // the full one, and its Hessian, scaled up by n/k, is close to the full Hessian, so the full
  // data then needs only gradient passes (a third of the cost of a Hessian pass) until the
  // final one. Any trouble in the subsample (a rare level absent from it, collinearity) just
  // means starting from the null model on the full data, where it is diagnosed.
  let startHessian: Float64Array | undefined;
  if (n > 2 * WARM_START_ROWS) {
    const stride = Math.ceil(n / WARM_START_ROWS);
    const k = Math.ceil(n / stride);
    const sub: Data = { x: columns.map(() => new Float64Array(k)), mean, inv, y: new Uint8Array(k), n: k };
    for (let i = 0, t = 0; i < n; i += stride, t++) {
      sub.y[t] = y[i]!;
      for (let j = 0; j < p; j++) sub.x[j]![t] = columns[j]![i]!;
    }
    try {
      const warm = newton(sub, start, names, { ...opts, stepTolerance: 1e-3, tolerance: 1e-6 }, false);
      if (warm.converged) {
        start = warm.b;
        startHessian = warm.hessian.map((v) => (v * n) / k);
      }
    } catch (error) {
      if (!(error instanceof LogisticError)) throw error;
    }
  }
  let fit: NewtonOutcome;
  try {
    fit = newton(data, start, names, opts, true, startHessian);
  } catch (error) {
    // The scaled subsample Hessian may be singular where the full one is not: start again.
    if (!(error instanceof LogisticError) || !startHessian) throw error;
    start = new Float64Array(m);
    start[0] = Math.log(share / (1 - share));
    fit = newton(data, start, names, opts, true);
  }
  let b = fit.b;
  let pass = fit.pass;
  if (!fit.converged) {
    let worst = 1;
    for (let j = 2; j < m; j++) if (Math.abs(fit.lastStep[j]!) > Math.abs(fit.lastStep[worst]!)) worst = j;
    const name = p > 0 ? names[worst - 1]! : '(Intercept)';
    if (pass.extremeFits > 0) {
      throw new LogisticError('separation', `the model did not converge in ${opts.maxIterations} iterations and ${pass.extremeFits} fitted probabilities are numerically 0 or 1: (quasi-)complete separation, most likely involving ${quoteColumn(name)} (its coefficient was still growing)`, [name]);
    }
    throw new LogisticError('nonconvergence', `the model did not converge in ${opts.maxIterations} iterations (largest remaining change in ${quoteColumn(name)})`, [name]);
  }

  // The information matrix at the final point gives the standard errors; its gradient gives one
  // last full Newton step, which turns the chord iterations' linear accuracy into Newton's
  // quadratic one (an error of 1e-8 becomes about 1e-16).
  pass = newtonPass(data, b, true);
  if (startHessian) checkCollinearity(pass.hessian!, m, names, opts.collinearityTolerance);
  const l = Float64Array.from(pass.hessian!);
  if (cholesky(l, m, 1e-13) >= 0) throw new LogisticError('singular', 'the information matrix is singular at the optimum');
  const polish = cholSolve(l, m, pass.gradient);
  b = Float64Array.from(b, (v, j) => v + polish[j]!);
  const covStd = cholInverse(l, m);
  // Covariance on the standardised scale, then mapped back: b_orig = A b_std with
  // A[0] = [1, -mean_j/sd_j ...], A[j][j] = 1/sd_j.
  const a = new Float64Array(m * m);
  a[0] = 1;
  for (let j = 1; j < m; j++) {
    a[j] = -mean[j - 1]! / sd[j - 1]!;
    a[j * m + j] = 1 / sd[j - 1]!;
  }
  const coefficients = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let s = 0;
    for (let k = 0; k < m; k++) s += a[i * m + k]! * b[k]!;
    coefficients[i] = s;
  }
  const tmp = new Float64Array(m * m);
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) {
    let s = 0;
    for (let k = 0; k < m; k++) s += a[i * m + k]! * covStd[k * m + j]!;
    tmp[i * m + j] = s;
  }
  const covariance = new Float64Array(m * m);
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) {
    let s = 0;
    for (let k = 0; k < m; k++) s += tmp[i * m + k]! * a[j * m + k]!;
    covariance[i * m + j] = s;
  }
  const standardErrors = new Float64Array(m);
  for (let j = 0; j < m; j++) standardErrors[j] = Math.sqrt(covariance[j * m + j]!);

  // Shared memory, so that worker threads can write their segments of it.
  const linearPredictor = sharedFloat64(n);
  const logLik = predictorPass(data, b, linearPredictor);
  const deviance = -2 * logLik;
  return {
    names: ['(Intercept)', ...names],
    coefficients,
    standardErrors,
    covariance,
    logLik,
    deviance,
    nullDeviance,
    aic: deviance + 2 * m,
    iterations: fit.iterations,
    hessianEvaluations: fit.hessians + 1,
    converged: true,
    n,
    nTreated,
    linearPredictor,
  };
}

/**
 * The covariate block of the Hessian is Z'WZ with centred columns Z and positive weights W, which
 * has the same null space as Z'Z; a Cholesky pass over its correlation form in column order finds
 * the first column that is (numerically) a linear combination of the columns before it, as R's
 * lm drops aliased terms.
 */
function checkCollinearity(hessian: Float64Array, m: number, names: string[], tol: number): void {
  // Correlation matrix of the covariates (drop the intercept row/column, which is orthogonal).
  const p = m - 1;
  const c = new Float64Array(p * p);
  for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) c[i * p + j] = hessian[(i + 1) * m + j + 1]! / Math.sqrt(hessian[(i + 1) * m + i + 1]! * hessian[(j + 1) * m + j + 1]!);
  const l = Float64Array.from(c);
  const bad = cholesky(l, p, tol);
  if (bad < 0) return;
  // Regress the offending column on the earlier ones to name its partners.
  const q = bad;
  const sub = new Float64Array(q * q);
  const rhs = new Float64Array(q);
  for (let i = 0; i < q; i++) {
    rhs[i] = c[i * p + bad]!;
    for (let j = 0; j < q; j++) sub[i * q + j] = c[i * p + j]!;
  }
  const partners: string[] = [];
  if (q > 0 && cholesky(sub, q, tol) < 0) {
    const coef = cholSolve(sub, q, rhs);
    for (let i = 0; i < q; i++) if (Math.abs(coef[i]!) > 1e-6) partners.push(names[i]!);
  }
  throw new LogisticError(
    'singular',
    `singular design: covariate ${quoteColumn(names[bad]!)} is a linear combination of ${partners.length ? partners.map((x) => quoteColumn(x)).join(', ') : 'earlier covariates'} (collinear columns); drop one of them`,
    [names[bad]!, ...partners],
  );
}

/** Two-sided normal p-value, from erfc (Numerical Recipes' Chebyshev fit, relative error < 1.2e-7). */
export function normalPValue(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * x);
  const erfc =
    t *
    Math.exp(
      -x * x - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return Math.min(1, erfc);
}
