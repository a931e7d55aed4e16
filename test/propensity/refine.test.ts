// The balance-driven refinement: selection on the square of a covariate, a model linear in it.
// The first match leaves the groups unbalanced (the other covariate's mean, and the spread of the
// misfitted one); the refinement adds the centred squares, keeps the refitted model because the
// largest |SMD| falls, and records the round. Same design, same result.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Design } from '../../stages/propensity/design.ts';
import { DEFAULT_OPTIONS, runPsm } from '../../stages/propensity/psm.ts';
import { sharedFloat64, sharedUint8 } from '../../src/parallel.ts';
import { normal, rng } from './random.ts';

function design(): Design {
  const n = 6000;
  const u = rng(77);
  const g = normal(u);
  const treat = sharedUint8(n);
  const x = sharedFloat64(n), z = sharedFloat64(n);
  for (let i = 0; i < n; i++) {
    x[i] = g();
    z[i] = g();
    const p = 1 / (1 + Math.exp(-(-3 + 0.5 * x[i]! + 1.0 * x[i]! * x[i]! + 0.3 * z[i]!)));
    treat[i] = u() < p ? 1 : 0;
  }
  return {
    n, treat, columns: [x, z], names: ['x', 'z'],
    terms: [{ name: 'x', kind: 'numeric', columns: [0] }, { name: 'z', kind: 'numeric', columns: [1] }],
    stratum: new Int32Array(n), strata: ['(all)'], ids: null,
    exclusions: { missing: { treated: 0, comparison: 0, byCovariate: {} }, pruned: { treated: 0, comparison: 0, byFactor: {} }, outsideRange: { comparison: 0, byCovariate: {} } },
  };
}

test('a covariate left unbalanced gets its square, and the refitted model is kept when balance improves', () => {
  const d = design();
  const plain = runPsm(d, { ...DEFAULT_OPTIONS, refineRounds: 0 });
  const refined = runPsm(d, { ...DEFAULT_OPTIONS, refineRounds: 2 });
  assert.ok(plain.balance.maxAbsSmdAfter >= 0.05, `the linear model leaves imbalance (${plain.balance.maxAbsSmdAfter})`);
  const first = refined.refinement[0]!;
  assert.ok(first.above.includes('(x)^2'), 'the spread of x is unbalanced although its mean is not');
  assert.ok(first.added.includes('(x)^2'));
  assert.is(first.kept, true);
  assert.ok(refined.balance.maxAbsSmdAfter < plain.balance.maxAbsSmdAfter, `${refined.balance.maxAbsSmdAfter} < ${plain.balance.maxAbsSmdAfter}`);
  assert.ok(refined.columns.some((c) => c.name === '(x)^2'));
  // deterministic
  const again = runPsm(d, { ...DEFAULT_OPTIONS, refineRounds: 2 });
  assert.equal(Array.from(again.logit), Array.from(refined.logit));
  assert.equal(again.refinement, refined.refinement);
});

test.run();
