import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fitLogistic, LogisticError, quoteColumn } from '../../stages/propensity/logistic.ts';
import { redactValues } from '../../src/runner.ts';
import { normal, rng } from './random.ts';
import { getWorkerCount, setWorkerCount, sharedFloat64, sharedUint8 } from '../../src/parallel.ts';

const close = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

test('one binary covariate: coefficients and SEs equal the 2x2-table closed form', () => {
  // 2x2 table: x=0: 30 treated / 70 comparison; x=1: 45 treated / 15 comparison.
  const cells = [
    [0, 1, 30],
    [0, 0, 70],
    [1, 1, 45],
    [1, 0, 15],
  ];
  const xs: number[] = [];
  const ys: number[] = [];
  for (const [x, y, n] of cells) for (let i = 0; i < n!; i++) (xs.push(x!), ys.push(y!));
  const fit = fitLogistic([Float64Array.from(xs)], Uint8Array.from(ys), ['x']);
  const logit = (p: number) => Math.log(p / (1 - p));
  close(fit.coefficients[0]!, logit(30 / 100), 1e-10, 'intercept');
  close(fit.coefficients[1]!, logit(45 / 60) - logit(30 / 100), 1e-10, 'slope');
  close(fit.standardErrors[0]!, Math.sqrt(1 / 30 + 1 / 70), 1e-8, 'se intercept');
  close(fit.standardErrors[1]!, Math.sqrt(1 / 30 + 1 / 70 + 1 / 45 + 1 / 15), 1e-8, 'se slope');
  const ll = 30 * Math.log(0.3) + 70 * Math.log(0.7) + 45 * Math.log(0.75) + 15 * Math.log(0.25);
  close(fit.logLik, ll, 1e-12, 'log-likelihood');
  const p = 75 / 160;
  close(fit.nullDeviance, -2 * (75 * Math.log(p) + 85 * Math.log(1 - p)), 1e-12, 'null deviance');
  assert.ok(fit.converged);
});

function simulate(n: number, seed: number) {
  const u = rng(seed);
  const z = normal(u);
  const x1 = new Float64Array(n), x2 = new Float64Array(n), x3 = new Float64Array(n);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    x1[i] = 40 + 12 * z(); // an age-like scale
    x2[i] = u() < 0.3 ? 1 : 0;
    x3[i] = 5000 * Math.abs(z()); // an earnings-like scale
    const eta = -1 + 0.03 * (x1[i]! - 40) + 0.8 * x2[i]! - 0.0002 * x3[i]!;
    y[i] = u() < 1 / (1 + Math.exp(-eta)) ? 1 : 0;
  }
  return { cols: [x1, x2, x3], y };
}

test('at the optimum the score (gradient) is zero and the SEs equal the inverse information, both computed independently on the original scale', () => {
  const { cols, y } = simulate(3000, 7);
  const fit = fitLogistic(cols, y, ['age', 'flag', 'earnings']);
  const b = fit.coefficients;
  const n = y.length;
  const m = 4;
  const grad = new Float64Array(m);
  const info = new Float64Array(m * m);
  let ll = 0;
  for (let i = 0; i < n; i++) {
    const x = [1, cols[0]![i]!, cols[1]![i]!, cols[2]![i]!];
    const eta = x.reduce((s, v, j) => s + v * b[j]!, 0);
    const mu = 1 / (1 + Math.exp(-eta));
    ll += y[i] ? Math.log(mu) : Math.log(1 - mu);
    for (let j = 0; j < m; j++) {
      grad[j] += (y[i]! - mu) * x[j]!;
      for (let k = 0; k < m; k++) info[j * m + k] += mu * (1 - mu) * x[j]! * x[k]!;
    }
  }
  // Gradient relative to the scale of each column's contributions.
  const scale = [n, 40 * n, n, 5000 * n];
  for (let j = 0; j < m; j++) assert.ok(Math.abs(grad[j]!) / scale[j]! < 1e-9, `gradient ${j} = ${grad[j]}`);
  close(fit.logLik, ll, 1e-10, 'log-likelihood');
  // Invert the 4x4 information matrix by Gauss-Jordan and compare the diagonal.
  const a = Array.from({ length: m }, (_, i) => [...Array.from(info.subarray(i * m, i * m + m)), ...Array.from({ length: m }, (_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < m; c++) {
    let piv = c;
    for (let r = c + 1; r < m; r++) if (Math.abs(a[r]![c]!) > Math.abs(a[piv]![c]!)) piv = r;
    [a[c], a[piv]] = [a[piv]!, a[c]!];
    const d = a[c]![c]!;
    for (let k = 0; k < 2 * m; k++) a[c]![k]! /= d;
    for (let r = 0; r < m; r++) if (r !== c) {
      const f = a[r]![c]!;
      for (let k = 0; k < 2 * m; k++) a[r]![k]! -= f * a[c]![k]!;
    }
  }
  for (let j = 0; j < m; j++) close(fit.standardErrors[j]!, Math.sqrt(a[j]![m + j]!), 1e-6, `se ${j}`);
  // And moving any coefficient either way lowers the likelihood.
  for (let j = 0; j < m; j++) for (const h of [-1e-4, 1e-4]) {
    let l2 = 0;
    for (let i = 0; i < n; i++) {
      const x = [1, cols[0]![i]!, cols[1]![i]!, cols[2]![i]!];
      const eta = x.reduce((s, v, k) => s + v * (b[k]! + (k === j ? h / scale[k]! * n : 0)), 0);
      l2 += y[i] ? -Math.log1p(Math.exp(-eta)) : -Math.log1p(Math.exp(eta));
    }
    assert.ok(l2 < ll, `moving coefficient ${j} by ${h} raised the log-likelihood`);
  }
  // The linear predictor is X b.
  for (const i of [0, 17, 2999]) close(fit.linearPredictor[i]!, b[0]! + b[1]! * cols[0]![i]! + b[2]! * cols[1]![i]! + b[3]! * cols[2]![i]!, 1e-9, 'linear predictor');
});

function expectError(fn: () => unknown, problem: string, covariate: string, message: RegExp) {
  try {
    fn();
  } catch (error) {
    assert.instance(error, LogisticError);
    const e = error as LogisticError;
    assert.is(e.problem, problem);
    assert.ok(e.covariates.includes(covariate), `covariates ${e.covariates.join(',')} should include ${covariate}`);
    assert.match(e.message, message);
    assert.ok(e.message.includes(quoteColumn(covariate)), `the message names ${covariate} as ${quoteColumn(covariate)}`);
    // the runner redacts single-quoted values in logged errors: the column's name must survive it
    const column = covariate.split('=')[0]!;
    assert.ok(redactValues(e.message).includes(`“${column}”`), `“${column}” survives redaction: ${redactValues(e.message)}`);
    return;
  }
  assert.unreachable('no error');
}

test('a large fit (subsample warm start, passes shared with worker threads) has the same bits on 0 and 1 workers and is at the optimum', () => {
  const { cols, y } = simulate(300_000, 21);
  const shared = cols.map((c) => {
    const s = sharedFloat64(c.length);
    s.set(c);
    return s;
  });
  const ys = sharedUint8(y.length);
  ys.set(y);
  const before = getWorkerCount();
  try {
    setWorkerCount(0);
    const alone = fitLogistic(shared, ys, ['age', 'flag', 'earnings']);
    setWorkerCount(1);
    const helped = fitLogistic(shared, ys, ['age', 'flag', 'earnings']);
    assert.equal(Array.from(helped.coefficients), Array.from(alone.coefficients));
    assert.equal(Array.from(helped.standardErrors), Array.from(alone.standardErrors));
    assert.is(helped.logLik, alone.logLik);
    assert.ok(helped.linearPredictor.every((v, i) => v === alone.linearPredictor[i]), 'same linear predictor, bit for bit');
    // The score at the estimate, computed here row by row on the original scale.
    const b = helped.coefficients;
    const grad = [0, 0, 0, 0];
    for (let i = 0; i < y.length; i++) {
      const x = [1, cols[0]![i]!, cols[1]![i]!, cols[2]![i]!];
      const mu = 1 / (1 + Math.exp(-(b[0]! + b[1]! * x[1]! + b[2]! * x[2]! + b[3]! * x[3]!)));
      for (let j = 0; j < 4; j++) grad[j] += (y[i]! - mu) * x[j]!;
    }
    const scale = [1, 40, 1, 5000].map((v) => v * y.length);
    grad.forEach((g, j) => assert.ok(Math.abs(g) / scale[j]! < 1e-9, `gradient ${j} = ${g}`));
  } finally {
    setWorkerCount(before);
  }
});

test('complete separation by one covariate names it', () => {
  const x = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
  const noise = Float64Array.from([3, 1, 4, 1, 5, 9, 2, 6]);
  const y = Uint8Array.from([0, 0, 0, 0, 1, 1, 1, 1]);
  expectError(() => fitLogistic([noise, x], y, ['noise', 'score']), 'separation', 'score', /complete separation/);
});

test('quasi-complete separation by a factor level held only by comparators names the dummy', () => {
  const region = Float64Array.from([0, 0, 0, 0, 0, 0, 1, 1, 0, 0]);
  const age = Float64Array.from([20, 30, 25, 35, 40, 22, 33, 31, 28, 27]);
  const y = Uint8Array.from([1, 0, 1, 0, 1, 0, 0, 0, 1, 0]);
  expectError(() => fitLogistic([age, region], y, ['age', 'region=Wales']), 'separation', 'region=Wales', /quasi-complete separation/);
});

test('separation by a combination of covariates (neither alone) is reported, naming a covariate involved', () => {
  const u = rng(3);
  const n = 200;
  const a = new Float64Array(n), b = new Float64Array(n), c = new Float64Array(n);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    a[i] = u() * 2 - 1;
    b[i] = u() * 2 - 1;
    c[i] = u();
    y[i] = a[i]! + b[i]! > 0 ? 1 : 0;
  }
  try {
    fitLogistic([c, a, b], y, ['c', 'a', 'b']);
    assert.unreachable('no error');
  } catch (error) {
    assert.instance(error, LogisticError);
    assert.is((error as LogisticError).problem, 'separation');
    assert.ok(['a', 'b'].some((x) => (error as LogisticError).covariates.includes(x)), (error as Error).message);
  }
});

test('collinear columns: the later column is named with its partners', () => {
  const { cols, y } = simulate(500, 11);
  const combo = new Float64Array(500);
  for (let i = 0; i < 500; i++) combo[i] = 2 * cols[0]![i]! - 3 * cols[2]![i]!;
  expectError(() => fitLogistic([cols[0]!, cols[1]!, cols[2]!, combo], y, ['age', 'flag', 'earnings', 'combo']), 'singular', 'combo', /linear combination of “age”, “earnings”/);
});

test('a constant column is a singular design', () => {
  const { cols, y } = simulate(100, 5);
  expectError(() => fitLogistic([cols[0]!, new Float64Array(100).fill(3)], y, ['age', 'always3']), 'constant', 'always3', /same value in every row/);
});

test.run();
