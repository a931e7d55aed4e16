// The score overlap the report plots: shares per bin of each group, before (everyone, unweighted)
// and after matching (matched treated; comparators by their ATT weight).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { scoreOverlap } from '../../stages/propensity/overlap.ts';

test('shares per bin, before unweighted and after by ATT weight; unmatched people leave the after side', () => {
  const logit = Float64Array.from([-2, -1.9, -1, 0.5, -2, -1, -1, 0.9]);
  const treat = Uint8Array.from([1, 1, 1, 1, 0, 0, 0, 0]);
  // The treated at 0.5 is off support (weight 0); the comparator at 0.9 is unused.
  const weight = Float64Array.from([1, 1, 1, 0, 2, 0.5, 0.5, 0]);
  const o = scoreOverlap(logit, treat, weight, 4);
  assert.equal(o.edges, [-2, -1.275, -0.55, 0.175, 0.9]);
  assert.equal(o.before.treated, [0.5, 0.25, 0, 0.25]);
  assert.equal(o.before.comparison, [0.25, 0.5, 0, 0.25]);
  assert.equal(o.after.treated, [0.666667, 0.333333, 0, 0]);
  assert.equal(o.after.comparison, [0.666667, 0.333333, 0, 0]);
  for (const side of [o.before, o.after]) for (const xs of [side.treated, side.comparison]) assert.ok(Math.abs(xs.reduce((a, b) => a + b, 0) - 1) < 1e-5);
});

test.run();
