// Rounding, gates and suppression: the service's disclosure rules, each branch.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { inSignificantList, npSufficient, publishable, reoffenderMeasuresShown, significant, withheldReason } from '../../stages/metrics/gates.ts';
import { measureDef } from '../../stages/metrics/measures.ts';
import { attritionPercent, fixed, formatP, percentFromProportion, roundHalfAway, roundingMismatch, tableInterval, tableValue, withThousands } from '../../stages/metrics/rounding.ts';
import { suppress } from '../../stages/metrics/suppression.ts';

test('rounding is half away from zero on the decimal value, never -0', () => {
  assert.is(roundHalfAway(2.675, 2), 2.68); // binary 2.67499999… would round down naively
  assert.is(roundHalfAway(0.125, 2), 0.13);
  assert.is(roundHalfAway(-0.5, 0), -1);
  assert.ok(Object.is(roundHalfAway(-0.4, 0), 0));
  assert.is(fixed(1.005, 2), '1.01');
  assert.is(roundHalfAway(4.2e-9, 2), 0); // exponent form
  assert.is(roundHalfAway(1.5e21, 0), 1.5e21);
  assert.is(formatP(3e-12), '<0.01');
  assert.is(percentFromProportion(0.246), '25');
  assert.is(percentFromProportion(0.2449), '24');
});

test('thousands separators', () => {
  assert.is(withThousands(113554), '113,554');
  assert.is(withThousands(999), '999');
  assert.is(withThousands(-1234567), '-1,234,567');
  assert.is(tableValue('frequency', 1234.5), '1,234.50');
});

test('p-values: 2 dp, "<0.01" when they round to 0', () => {
  assert.is(formatP(0.004), '<0.01');
  assert.is(formatP(0.005), '0.01');
  assert.is(formatP(0.07939), '0.08');
  assert.is(formatP(1), '1.00');
});

test('attrition percentages: "<1%" for a non-zero share that rounds to 0', () => {
  assert.is(attritionPercent(1, 1000), '<1%');
  assert.is(attritionPercent(0, 1000), '0%');
  assert.is(attritionPercent(5, 1000), '1%');
  assert.is(attritionPercent(93, 351), '26%');
});

test('table values per measure kind: rates %, frequencies 2 dp, days whole', () => {
  assert.is(tableValue('rate', 0.2461), '25');
  assert.is(tableValue('frequency', 0.8765), '0.88');
  assert.is(tableValue('time', 151.5), '152');
  assert.is(tableInterval('rate', -0.0812, -0.0213), '-8 to -2');
});

test('rounding note is needed exactly when rounded parts do not add up', () => {
  // Brighton Women's Centre: 24.6 % vs 28.4 % -> shown 25 and 28, difference 4 (from unrounded).
  assert.ok(roundingMismatch(0.246, 0.284, 100, 0));
  assert.not.ok(roundingMismatch(0.25, 0.28, 100, 0));
});

test('gate: at least 60 in the treatment group to publish', () => {
  assert.not.ok(publishable(59));
  assert.ok(publishable(60));
});

test('gate: at least 30 treated reoffenders for time and Tables 3-7', () => {
  assert.not.ok(reoffenderMeasuresShown(29));
  assert.ok(reoffenderMeasuresShown(30));
  const time = measureDef('days_to_first');
  assert.is(withheldReason(time, { treated: 100, treatedReoffenders: 29 }, null, true), 'fewer_than_30_reoffenders');
  assert.is(withheldReason(time, { treated: 100, treatedReoffenders: 30 }, null, true), null);
  for (const id of ['first_indictable', 'freq_summary', 'first_custody', 'custody_freq'] as const) {
    assert.is(withheldReason(measureDef(id), { treated: 100, treatedReoffenders: 29 }, 50, true), 'fewer_than_30_reoffenders', id);
  }
  // Tables 1-2 cover everybody: not gated on reoffenders.
  assert.is(withheldReason(measureDef('reoff'), { treated: 100, treatedReoffenders: 3 }, 3, true), null);
});

test('gate: n·p >= 10 for court-outcome rows only (not custody tables 6-7)', () => {
  assert.not.ok(npSufficient(9.99));
  assert.ok(npSufficient(10));
  assert.not.ok(npSufficient(null));
  const sizes = { treated: 200, treatedReoffenders: 60 };
  assert.is(withheldReason(measureDef('first_indictable'), sizes, 9, true), 'np_below_10');
  assert.is(withheldReason(measureDef('freq_either_way'), sizes, 9, true), 'np_below_10');
  assert.is(withheldReason(measureDef('first_indictable'), sizes, 10, true), null);
  assert.is(withheldReason(measureDef('first_custody'), sizes, 2, true), null);
});

test('gate: fewer than 60 treated withholds every measure, first', () => {
  assert.is(withheldReason(measureDef('reoff'), { treated: 59, treatedReoffenders: 40 }, 40, true), 'treatment_group_below_60');
  assert.is(withheldReason(measureDef('first_summary'), { treated: 59, treatedReoffenders: 3 }, 1, true), 'treatment_group_below_60');
});

test('significance at p <= 0.05, and the significant-results list needs n·p >= 10', () => {
  assert.is(significant(0.05), true);
  assert.is(significant(0.0500001), false);
  assert.is(significant(null), null);
  const rate = measureDef('reoff');
  assert.ok(inSignificantList(rate, true, 0.01, 10));
  assert.not.ok(inSignificantList(rate, true, 0.01, 9.5));
  assert.not.ok(inSignificantList(rate, true, 0.2, 50));
  assert.not.ok(inSignificantList(rate, false, 0.01, 50));
  assert.ok(inSignificantList(measureDef('days_to_first'), true, 0.01, null));
  assert.not.ok(inSignificantList(measureDef('first_custody'), true, 0.01, 4));
});

function recoverable(cells: { count: number; suppressed: boolean }[]): boolean {
  const hidden = cells.filter((c) => c.suppressed);
  return hidden.length === 1;
}

test('suppression: small cells hidden with a secondary cell, zeros left alone', () => {
  const a = suppress([{ category: 'A', count: 3 }, { category: 'B', count: 50 }, { category: 'C', count: 40 }]);
  assert.equal(a.map((c) => c.reason), ['primary', null, 'secondary']);
  assert.not.ok(recoverable(a));
  const b = suppress([{ category: 'A', count: 0 }, { category: 'B', count: 50 }]);
  assert.equal(b.map((c) => c.suppressed), [false, false]);
  // Two small cells summing below 5 could still be bounded: a third cell is hidden too.
  const c = suppress([{ category: 'A', count: 2 }, { category: 'B', count: 2 }, { category: 'C', count: 100 }, { category: 'D', count: 7 }]);
  assert.equal(c.map((x) => x.reason), ['primary', 'primary', null, 'secondary']);
  const none = suppress([{ category: 'A', count: 5 }, { category: 'B', count: 20 }]);
  assert.ok(none.every((x) => !x.suppressed));
});

test('suppression property: no breakdown ever leaves exactly one hidden cell or a small hidden total', () => {
  let seed = 42;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let k = 0; k < 500; k++) {
    const cells = Array.from({ length: 2 + Math.floor(rand() * 5) }, (_, i) => ({ category: String(i), count: Math.floor(rand() * rand() * 30) }));
    const out = suppress(cells);
    const hidden = out.filter((c) => c.suppressed);
    if (hidden.length === 0) {
      assert.ok(cells.every((c) => c.count === 0 || c.count >= 5));
      continue;
    }
    assert.ok(hidden.length >= 2 || out.length === 1, JSON.stringify(cells));
    const visibleNonZero = out.filter((c) => !c.suppressed && c.count > 0).length;
    assert.ok(hidden.reduce((s, c) => s + c.count, 0) >= 5 || visibleNonZero === 0, JSON.stringify(cells));
  }
});

test.run();
