import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { numberNeeded } from '../../stages/metrics/power.ts';
import { meanInterval, welch } from '../../stages/metrics/welch.ts';
import { Sum, unweightedSummary, weightedSummary } from '../../stages/metrics/weighted.ts';

const close = (a: number, e: number, tol: number, what: string) => assert.ok(Math.abs(a - e) <= tol, `${what}: ${a} vs ${e}`);

// Student's sleep data, the example in R's ?t.test; Welch result as published in R's output:
// t = -1.8608, df = 17.776, p-value = 0.07939, 95 percent CI -3.3654832 0.2054832.
const g1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0];
const g2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4];

test('Welch test reproduces the published sleep-data result', () => {
  const r = welch(unweightedSummary(g1), unweightedSummary(g2))!;
  close(r.estimate, 0.75 - 2.33, 1e-12, 'difference');
  close(r.t, -1.8608, 5e-5, 't');
  close(r.df, 17.776, 5e-4, 'df');
  close(r.p, 0.07939, 5e-6, 'p');
  close(r.lower, -3.3654832, 5e-7, 'lower');
  close(r.upper, 0.2054832, 5e-7, 'upper');
});

test('equal weights give exactly the unweighted summary', () => {
  const w = weightedSummary(g1, g1.map(() => 0.37));
  const u = unweightedSummary(g1);
  close(w.mean, u.mean, 1e-15, 'mean');
  close(w.variance, u.variance, 1e-14, 'variance');
  close(w.nEffective, 10, 1e-12, 'n effective');
});

test('weighted mean and effective n against a plain computation', () => {
  const xs = [0, 1, 1, 0, 1, 0, 0, 1, 1, 1];
  const ws = [0.5, 2, 1, 1, 0.25, 3, 1, 1, 0.5, 0.75];
  const s = weightedSummary(xs, ws);
  let sw = 0, swx = 0, sw2 = 0;
  xs.forEach((x, i) => { sw += ws[i]!; swx += ws[i]! * x; sw2 += ws[i]! ** 2; });
  close(s.mean, swx / sw, 1e-15, 'mean');
  close(s.nEffective, (sw * sw) / sw2, 1e-12, 'n effective');
  close(s.weightSum, sw, 1e-15, 'weight sum');
  assert.ok(s.nEffective < xs.length, 'unequal weights shrink the effective size');
});

test('interval of one mean: t quantile on n - 1 df', () => {
  const ci = meanInterval(unweightedSummary(g1))!;
  // mean 0.75, sd 1.789010, se 0.565734, qt(0.975, 9) = 2.262 (t table)
  close((ci.upper - ci.lower) / 2 / (1.7890096 / Math.sqrt(10)), 2.262, 0.0005, 'half-width / se');
});

test('degenerate groups: constant outcomes and fewer than two people', () => {
  const zero = welch(unweightedSummary([0, 0, 0]), unweightedSummary([0, 0]))!;
  assert.is(zero.p, 1);
  const diff = welch(unweightedSummary([1, 1, 1]), unweightedSummary([0, 0]))!;
  assert.is(diff.p, 0);
  assert.is(welch(unweightedSummary([1]), unweightedSummary([0, 1])), null);
});

test('compensated sum is exact where naive summation is not', () => {
  const s = new Sum();
  for (const x of [1e16, 1, -1e16]) s.add(x);
  assert.is(s.value, 1);
});

test('number_needed: textbook two-proportion size for equal groups', () => {
  // Treatment 25 % vs comparison 30 %, equal group sizes: n = (z.975 + z.8)^2 (pq + pq) / d^2.
  const treat = { n: 100, weightSum: 100, nEffective: 100, mean: 0.25, variance: 0.25 * 0.75 };
  const comp = { n: 100, weightSum: 100, nEffective: 100, mean: 0.3, variance: 0.3 * 0.7 };
  const expected = Math.ceil(((1.959964 + 0.841621) ** 2 * (0.1875 + 0.21)) / 0.05 ** 2);
  assert.is(numberNeeded(treat, comp), expected);
  // A comparison group four times larger needs fewer treated people.
  assert.ok(numberNeeded(treat, { ...comp, nEffective: 400, n: 400 })! < expected);
  assert.is(numberNeeded(treat, { ...comp, mean: 0.25 }), null);
});

test.run();
