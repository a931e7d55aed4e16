import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { matchUnits } from '../../stages/propensity/match.ts';
import { argsortStable, sortByKey } from '../../stages/propensity/sort.ts';
import { rng } from './random.ts';

function sd(x: number[]): number {
  const m = x.reduce((a, b) => a + b, 0) / x.length;
  return Math.sqrt(x.reduce((a, b) => a + (b - m) ** 2, 0) / (x.length - 1));
}

/** Units as [distance, treated, stratum]. */
function arrays(units: [number, number, number?][]) {
  return {
    d: Float64Array.from(units.map((u) => u[0])),
    t: Uint8Array.from(units.map((u) => u[1])),
    s: Int32Array.from(units.map((u) => u[2] ?? 0)),
  };
}

test('caliper matching: weights by hand from the §6.3 rule', () => {
  // T0 at 0 sees C at -0.0625 and 0.0625 (k=2); T1 at 1 sees C at 0.9375 (k=1) and the shared
  // comparator at 0.0625 is also within T2's window (T2 at 0.125, sees 0.0625 and 0.1875: k=2).
  // T3 at 10 sees nothing: off support. Caliper width 0.125 exactly (chosen via the SD).
  const units: [number, number][] = [
    [0, 1], [1, 1], [0.125, 1], [10, 1],
    [-0.0625, 0], [0.0625, 0], [0.1875, 0], [0.5, 0], [0.9375, 0], [3, 0],
  ];
  const { d, t, s } = arrays(units);
  const width = 0.125;
  const r = matchUnits(d, t, s, { method: 'caliper', caliper: width / sd(units.map((u) => u[0])) });
  assert.ok(Math.abs(r.caliperWidth! - width) < 1e-15);
  const expected = [1, 1, 1, 0, 1 / 2, 1 / 2 + 1 / 2, 1 / 2, 0, 1, 0];
  expected.forEach((w, i) => assert.ok(Math.abs(r.weight[i]! - w) < 1e-15, `row ${i}: ${r.weight[i]} vs ${w}`));
  assert.equal(Array.from(r.matches), [2, 1, 2, 0, 1, 2, 1, 0, 1, 0]);
  assert.is(r.counts.treatedOffSupport, 1);
  assert.is(r.counts.treatedMatched, 3);
  assert.is(r.counts.comparisonMatched, 4);
  // Comparison weights sum to the matched treated.
  let sum = 0;
  for (let i = 4; i < 10; i++) sum += r.weight[i]!;
  assert.ok(Math.abs(sum - 3) < 1e-12);
});

test('caliper matching is inclusive at the caliper edge and respects strata', () => {
  const units: [number, number, number][] = [
    [1, 1, 0], [1, 1, 1],
    [0.5, 0, 0], [1.5, 0, 0], [1.25, 0, 1], [1.0, 0, 2],
  ];
  const { d, t, s } = arrays(units);
  const r = matchUnits(d, t, s, { method: 'caliper', caliper: 0.5 / sd(units.map((u) => u[0])) });
  // Width 0.5 (up to rounding of SD × caliper): the edge comparators at exactly 0.5 away count.
  assert.ok(Math.abs(r.caliperWidth! - 0.5) < 1e-15);
  const edgeIncluded = r.caliperWidth! >= 0.5;
  assert.is(r.matches[0], edgeIncluded ? 2 : 0);
  assert.is(r.matches[1], 1); // stratum 1 sees only its own comparator at 1.25
  assert.is(r.weight[5], 0); // stratum 2 has no treated
  assert.is(r.counts.strata.length, 3);
  assert.equal(r.counts.strata[1], { stratum: 1, treated: 1, treatedMatched: 1, comparison: 1, comparisonMatched: 1 });
});

test('caliper matching agrees with a brute-force O(n_t × n_c) implementation on random data', () => {
  const u = rng(42);
  const n = 3000;
  const d = new Float64Array(n), t = new Uint8Array(n), s = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    t[i] = u() < 0.1 ? 1 : 0;
    s[i] = Math.floor(u() * 4);
    d[i] = Math.round((u() * 4 - 2 + t[i]!) * 64) / 64; // a coarse grid makes ties and edge cases common
  }
  const caliper = 0.1;
  const r = matchUnits(d, t, s, { method: 'caliper', caliper });
  const width = caliper * sd(Array.from(d));
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (!t[i]) continue;
    const js: number[] = [];
    for (let j = 0; j < n; j++) if (!t[j] && s[j] === s[i] && Math.abs(d[i]! - d[j]!) <= width) js.push(j);
    if (!js.length) continue;
    w[i] = 1;
    for (const j of js) w[j] += 1 / js.length;
  }
  for (let i = 0; i < n; i++) assert.ok(Math.abs(w[i]! - r.weight[i]!) < 1e-12, `row ${i}: ${r.weight[i]} vs ${w[i]}`);
});

test('nearest: equidistant comparators, the left (smaller distance) wins', () => {
  const { d, t, s } = arrays([[0.5, 1], [0.75, 0], [0.25, 0]]);
  const r = matchUnits(d, t, s, { method: 'nearest', caliper: null });
  assert.equal(Array.from(r.pairs!), [2]);
});

test('nearest: equal distances are ordered by input row, so an earlier row with the same score is on the left', () => {
  // C row 0, T row 1, C row 2, all at 1.0: both are 0 away; the left one is row 0.
  let a = arrays([[1, 0], [1, 1], [1, 0]]);
  assert.equal(Array.from(matchUnits(a.d, a.t, a.s, { method: 'nearest', caliper: null }).pairs!), [0]);
  // T row 0 comes first on the line: no left candidate, so row 1.
  a = arrays([[1, 1], [1, 0], [1, 0]]);
  assert.equal(Array.from(matchUnits(a.d, a.t, a.s, { method: 'nearest', caliper: null }).pairs!), [1]);
});

test('nearest without replacement: the largest score goes first; equal scores go in input order', () => {
  // Largest first: T(1.0) takes the only comparator, although it is nearer to T(0.875) (0.0625 vs 0.0625 tie aside).
  let a = arrays([[1.0, 1], [0.875, 1], [0.9375, 0]]);
  let r = matchUnits(a.d, a.t, a.s, { method: 'nearest', caliper: null });
  assert.equal(Array.from(r.pairs!), [2, -1]);
  assert.is(r.counts.treatedOffSupport, 1);
  // Two treated with the same score: the earlier row chooses first.
  a = arrays([[0.5, 0], [1.0, 1], [1.0, 1]]);
  r = matchUnits(a.d, a.t, a.s, { method: 'nearest', caliper: null });
  assert.equal(Array.from(r.pairs!), [0, -1]);
});

test('nearest 1:2 without replacement matches in rounds, as MatchIt does', () => {
  // Round 1: T(1.0) takes 0.875, T(0.5) takes 0.625. Round 2: T(1.0) takes 0.25; T(0.5) has none left.
  // (Matching each treated fully before the next would give T(1.0) 0.875 and 0.625 instead.)
  const a = arrays([[1.0, 1], [0.5, 1], [0.875, 0], [0.625, 0], [0.25, 0]]);
  const r = matchUnits(a.d, a.t, a.s, { method: 'nearest', caliper: null, ratio: 2 });
  assert.equal(Array.from(r.pairs!), [2, 4, 3, -1]);
  // Weights: T(1.0) has k=2, T(0.5) k=1.
  assert.equal(Array.from(r.weight), [1, 1, 0.5, 1, 0.5]);
});

test('nearest with replacement: each treated takes its own k nearest; weights sum over treated', () => {
  const a = arrays([[1.0, 1], [0.75, 1], [0.875, 0], [0.5, 0], [2, 0]]);
  const r = matchUnits(a.d, a.t, a.s, { method: 'nearest', caliper: null, ratio: 2, replace: true });
  // T(1.0): 0.875 (0.125), then 0.5 (0.5) vs 2 (1.0): 0.5. T(0.75): 0.875 (0.125) vs 0.5 (0.25): 0.875, then 0.5.
  assert.equal(Array.from(r.pairs!), [2, 3, 2, 3]);
  assert.equal(Array.from(r.weight), [1, 1, 1, 1, 0]);
});

test('nearest with a caliper leaves treated without a close comparator unmatched', () => {
  const units: [number, number][] = [[0, 1], [5, 1], [0.25, 0], [1, 0], [2, 0]];
  const a = arrays(units);
  const r = matchUnits(a.d, a.t, a.s, { method: 'nearest', caliper: 0.5 / sd(units.map((u) => u[0])) });
  assert.equal(Array.from(r.pairs!), [2, -1]);
  assert.is(r.counts.treatedOffSupport, 1);
});

test('argsortStable sorts by value and keeps input order for ties (radix path)', () => {
  const u = rng(9);
  const n = 5000;
  const key = new Float64Array(n);
  for (let i = 0; i < n; i++) key[i] = Math.round((u() - 0.5) * 50) / 4; // negatives, zeros, many ties
  key[3] = -0;
  const rows = new Int32Array(n);
  for (let i = 0; i < n; i++) rows[i] = i;
  const got = argsortStable(rows, key);
  const want = Array.from(rows).sort((a, b) => key[a]! - key[b]! || a - b);
  assert.equal(Array.from(got), want);
});

test('sortByKey orders keys that differ only in their lowest bits, returns the sorted keys, and may sort in place', () => {
  const u = rng(11);
  const n = 20_000;
  const key = new Float64Array(n);
  // Keys that share the top 32 bits and differ in the middle or lowest 16 (1 + k * 2^-36 and
  // 1 + k * 2^-52), exact ties among them, a wide range, and denormals.
  for (let i = 0; i < n; i++) {
    const r = u();
    if (r < 0.3) key[i] = 1 + Math.floor(u() * 300) * 2 ** -36;
    else if (r < 0.6) key[i] = -(1 + Math.floor(u() * 300) * 2 ** -52);
    else if (r < 0.9) key[i] = (u() - 0.5) * 10 ** Math.floor(u() * 20 - 10);
    else key[i] = Math.floor(u() * 5) * 5e-324;
  }
  const rows = Int32Array.from({ length: n }, (_, i) => n - 1 - i);
  // Ties keep the input order, which is descending row numbers here.
  const want = Array.from(rows).sort((a, b) => key[a]! - key[b]! || b - a);
  const copy = sortByKey(rows, key);
  assert.equal(Array.from(copy.rows), want);
  assert.equal(Array.from(copy.keys), want.map((r) => key[r]!));
  assert.is(rows[0], n - 1, 'rows untouched without consumeRows');
  const inPlace = sortByKey(Int32Array.from(rows), key, true);
  assert.equal(Array.from(inPlace.rows), want);
});

test.run();
