import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { balanceTable, flagFor } from '../../stages/propensity/balance.ts';
import { getWorkerCount, setWorkerCount, sharedFloat64, sharedUint8 } from '../../src/parallel.ts';
import { rng } from './random.ts';

test('SMD, variance ratio and weighted means by hand', () => {
  // Treated: x = 1, 2, 3, 6 (mean 3, var (4+1+0+9)/3 = 14/3). Comparators: x = 2, 4, 10.
  const x = Float64Array.from([1, 2, 3, 6, 2, 4, 10]);
  const treat = Uint8Array.from([1, 1, 1, 1, 0, 0, 0]);
  // After matching: treated row 3 off support; comparator weights 2, 1, 0.
  const w = Float64Array.from([1, 1, 1, 0, 2, 1, 0]);
  const b = balanceTable([{ name: 'x', term: 'x', values: x }], treat, w);
  const r = b.rows[0]!;
  const sdT = Math.sqrt(14 / 3);
  assert.is(r.binary, false);
  assert.ok(Math.abs(r.before.meanTreated - 3) < 1e-15);
  assert.ok(Math.abs(r.before.meanComparison - 16 / 3) < 1e-15);
  assert.ok(Math.abs(r.before.smd - (3 - 16 / 3) / sdT) < 1e-14);
  // Comparator variance before: mean 16/3, deviations -10/3, -4/3, 14/3: (100+16+196)/9/2 = 312/18.
  assert.ok(Math.abs(r.before.varianceRatio! - 14 / 3 / (312 / 18)) < 1e-14);
  // After: treated 1, 2, 3 (mean 2, var 1); comparators weighted mean (2*2 + 4)/3 = 8/3,
  // weighted variance sum w (x-m)^2 / (sum w - sum w^2 / sum w) = (2*(4/9) + 16/9) / (3 - 5/3) = (24/9) / (4/3) = 2.
  assert.ok(Math.abs(r.after.meanTreated - 2) < 1e-15);
  assert.ok(Math.abs(r.after.meanComparison - 8 / 3) < 1e-15);
  assert.ok(Math.abs(r.after.smd - (2 - 8 / 3) / sdT) < 1e-14, 'the denominator stays the full-sample treated SD');
  assert.ok(Math.abs(r.after.varianceRatio! - 1 / 2) < 1e-14);
  assert.is(r.flag, 'poor');
  assert.equal(b.sampleSizes.after, { treated: 3, comparison: 2, comparisonEffective: 9 / 5, comparisonWeightSum: 3 });
});

test('binary covariates use sqrt(p(1-p)) of the treated and have no variance ratio', () => {
  const x = Float64Array.from([1, 1, 0, 0, 1, 0, 0, 0]);
  const treat = Uint8Array.from([1, 1, 1, 1, 0, 0, 0, 0]);
  const w = Float64Array.from([1, 1, 1, 1, 1, 1, 1, 1]);
  const r = balanceTable([{ name: 'b', term: 'b', values: x }], treat, w).rows[0]!;
  assert.is(r.binary, true);
  assert.ok(Math.abs(r.before.smd - (0.5 - 0.25) / 0.5) < 1e-15);
  assert.is(r.before.varianceRatio, null);
});

test('a large balance table (worker threads) has the same bits on 0 and 2 workers and agrees with a direct computation', () => {
  const n = 250_000;
  const u = rng(5);
  const x = sharedFloat64(n), b = sharedFloat64(n), w = sharedFloat64(n);
  const treat = sharedUint8(n);
  for (let i = 0; i < n; i++) {
    treat[i] = u() < 0.1 ? 1 : 0;
    x[i] = 1000 + 50 * u() + 5 * treat[i]!;
    b[i] = u() < 0.3 + 0.1 * treat[i]! ? 1 : 0;
    w[i] = treat[i] ? (u() < 0.95 ? 1 : 0) : u() < 0.2 ? Math.floor(u() * 4) / 3 : 0;
  }
  const columns = [{ name: 'x', term: 'x', values: x }, { name: 'b', term: 'b', values: b }];
  const before = getWorkerCount();
  try {
    setWorkerCount(0);
    const alone = balanceTable(columns, treat, w);
    setWorkerCount(2);
    const helped = balanceTable(columns, treat, w);
    assert.equal(helped, alone);
    // Weighted comparison mean and MatchIt's weighted variance after matching, directly.
    let sw = 0, sw2 = 0, swx = 0;
    for (let i = 0; i < n; i++) if (!treat[i] && w[i]) (sw += w[i]!), (sw2 += w[i]! * w[i]!), (swx += w[i]! * x[i]!);
    const mean = swx / sw;
    let ss = 0;
    for (let i = 0; i < n; i++) if (!treat[i] && w[i]) ss += w[i]! * (x[i]! - mean) ** 2;
    const r = helped.rows[0]!;
    assert.ok(Math.abs(r.after.meanComparison - mean) < 1e-9, `${r.after.meanComparison} vs ${mean}`);
    let st = 0, stx = 0;
    for (let i = 0; i < n; i++) if (treat[i] && w[i]) (st += 1), (stx += x[i]!);
    let sst = 0;
    for (let i = 0; i < n; i++) if (treat[i] && w[i]) sst += (x[i]! - stx / st) ** 2;
    assert.ok(Math.abs(r.after.meanTreated - stx / st) < 1e-9);
    const ratio = sst / (st - 1) / (ss / (sw - sw2 / sw));
    assert.ok(Math.abs(r.after.varianceRatio! - ratio) < 1e-9 * ratio, `${r.after.varianceRatio} vs ${ratio}`);
    assert.is(helped.rows[1]!.binary, true);
    assert.is(helped.rows[0]!.binary, false);
  } finally {
    setWorkerCount(before);
  }
});

test('flags at 5 % and 10 %', () => {
  assert.is(flagFor(0.049), 'well_matched');
  assert.is(flagFor(0.05), 'acceptable');
  assert.is(flagFor(0.1), 'acceptable');
  assert.is(flagFor(0.1001), 'poor');
});

test.run();
