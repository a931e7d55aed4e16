import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { incompleteBeta, logGamma, normalCdf, normalQuantile, tCdf, tQuantile, tTwoSidedP } from '../../stages/metrics/tdist.ts';

const close = (actual: number, expected: number, tol: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} vs ${expected} (tol ${tol})`);

// Closed forms of the t CDF for small df (independent of the incomplete beta code path).
const cdf1 = (t: number) => 0.5 + Math.atan(t) / Math.PI;
const cdf2 = (t: number) => 0.5 + t / (2 * Math.sqrt(2 + t * t));
const cdf3 = (t: number) => {
  const th = Math.atan(t / Math.sqrt(3));
  return 0.5 + (th + Math.sin(th) * Math.cos(th)) / Math.PI;
};
const cdf5 = (t: number) => {
  const th = Math.atan(t / Math.sqrt(5));
  const c = Math.cos(th);
  return 0.5 + (th + Math.sin(th) * c * (1 + (2 / 3) * c * c)) / Math.PI;
};

test('logGamma matches known values of the gamma function', () => {
  close(logGamma(0.5), Math.log(Math.sqrt(Math.PI)), 1e-14, 'Γ(1/2)');
  close(logGamma(5), Math.log(24), 1e-13, 'Γ(5)');
  close(logGamma(1), 0, 1e-14, 'Γ(1)');
  close(logGamma(10.5), Math.log(1133278.3889487855), 1e-12, 'Γ(10.5)');
});

test('incomplete beta: I_x(1, 1) = x and I_x(a, 1) = x^a', () => {
  for (const x of [0.01, 0.3, 0.5, 0.77, 0.999]) {
    close(incompleteBeta(x, 1, 1), x, 1e-14, `I_${x}(1,1)`);
    close(incompleteBeta(x, 3.5, 1), x ** 3.5, 1e-14, `I_${x}(3.5,1)`);
  }
});

test('t CDF agrees with the closed forms for df = 1, 2, 3, 5', () => {
  for (const t of [-40, -7.5, -2.1, -0.3, 0, 0.01, 1, 1.96, 3.3, 12.7, 100]) {
    close(tCdf(t, 1), cdf1(t), 1e-13, `df1 t=${t}`);
    close(tCdf(t, 2), cdf2(t), 1e-13, `df2 t=${t}`);
    close(tCdf(t, 3), cdf3(t), 1e-13, `df3 t=${t}`);
    close(tCdf(t, 5), cdf5(t), 1e-13, `df5 t=${t}`);
  }
});

test('two-sided p keeps relative precision deep in the tail', () => {
  // Cauchy tail: P(|T| > t) = 1 - 2 atan(t)/π = 2 atan(1/t)/π for t > 0.
  const t = 1e6;
  close(tTwoSidedP(t, 1) / ((2 * Math.atan(1 / t)) / Math.PI), 1, 1e-10, 'relative tail');
  assert.is(tTwoSidedP(0, 7), 1);
});

test('quantiles match published t-table values (3 dp)', () => {
  // Two-sided 95 % critical values from a standard t table, plus one-sided 95 % and 99.5 %.
  const table: [number, number, number][] = [
    [0.975, 1, 12.706], [0.975, 2, 4.303], [0.975, 5, 2.571], [0.975, 10, 2.228],
    [0.975, 30, 2.042], [0.975, 120, 1.98], [0.975, Infinity, 1.96],
    [0.95, 10, 1.812], [0.995, 20, 2.845], [0.9, 4, 1.533],
  ];
  for (const [p, df, value] of table) close(tQuantile(p, df), value, 0.0005 + 1e-12, `qt(${p}, ${df})`);
  close(normalQuantile(0.975), 1.959963984540054, 1e-12, 'qnorm(0.975)');
  close(normalQuantile(0.8), 0.8416212335729143, 1e-12, 'qnorm(0.8)');
});

test('quantile inverts the CDF, including fractional df (Welch)', () => {
  for (const df of [1, 2.5, 7.3, 17.776, 250.4, 1e5]) {
    for (const p of [1e-6, 0.025, 0.3, 0.5, 0.8, 0.975, 0.999999]) {
      const q = tQuantile(p, df);
      close(tCdf(q, df), p, 1e-12 * Math.max(1, p / (1 - p)), `round trip df=${df} p=${p}`);
      close(q, -tQuantile(1 - p, df), 1e-9 * Math.max(1, Math.abs(q)), 'symmetry');
    }
  }
});

test('normal CDF: known values', () => {
  close(normalCdf(0), 0.5, 0, 'Φ(0)');
  close(normalCdf(-3), 0.0013498980316301, 1e-15, 'Φ(-3)');
  close(normalCdf(1.959963984540054), 0.975, 1e-15, 'Φ(1.96)');
  close(normalCdf(-10), 7.619853024160527e-24, 1e-36, 'Φ(-10)');
});

test('t CDF approaches the normal for large df', () => {
  close(tCdf(1.5, 1e7), normalCdf(1.5), 1e-7, 'df 1e7');
});

test('density integrates to the CDF for a fractional df (Simpson, independent of the beta path)', () => {
  const df = 7.3;
  const logC = logGamma((df + 1) / 2) - logGamma(df / 2) - 0.5 * Math.log(df * Math.PI);
  const f = (x: number) => Math.exp(logC - ((df + 1) / 2) * Math.log1p((x * x) / df));
  const b = 2.2;
  const n = 2000;
  const h = b / n;
  let s = f(0) + f(b);
  for (let i = 1; i < n; i++) s += f(i * h) * (i % 2 ? 4 : 2);
  close(tCdf(b, df), 0.5 + (s * h) / 3, 1e-12, 'integral');
});

test.run();
