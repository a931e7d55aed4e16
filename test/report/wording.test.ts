// Every wording branch of the standard report (methodology §7, §8), with the exact sentences.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  canSay, cannotSay, ciPhrase, icon, introParagraph, matchingSummary, matchQuality, measurementComparison, measurementTreatment,
  NOT_SIGNIFICANT_SUMMARY, numberNeededSentence, periodPhrase, significantBullet, significantIntro, singular, summarySentence,
  boundMagnitude, fragileNote, fragility, pText, tableIntervalText,
} from '../../stages/report/wording.ts';

test('measurements, rate: fewer, more, and a rounded difference of 0 is "similar"', () => {
  // Brighton Women's Centre: 24.6 % vs 28.4 % is printed as 25 vs 28 and "4 fewer" (unrounded difference).
  assert.is(
    measurementTreatment('rate', 0.246, 0.246 - 0.284, 'women'),
    '25 of the 100 women committed a proven reoffence within a one-year period (a rate of 25%), 4 women fewer than in the comparison group.',
  );
  assert.is(
    measurementTreatment('rate', 0.31, 0.02, 'offenders'),
    '31 of the 100 offenders committed a proven reoffence within a one-year period (a rate of 31%), 2 offenders more than in the comparison group.',
  );
  assert.is(
    measurementTreatment('rate', 0.124, 0.124 - 0.1285, 'participants'),
    '12 of the 100 participants committed a proven reoffence within a one-year period (a rate of 12%), similar to the comparison group.',
  );
  assert.is(
    measurementTreatment('rate', 0.12, -0.01, 'people'),
    '12 of the 100 people committed a proven reoffence within a one-year period (a rate of 12%), 1 person fewer than in the comparison group.',
  );
  assert.is(measurementComparison('rate', 0.284, 'women'), '28 of the 100 women committed a proven reoffence within a one-year period (a rate of 28%).');
});

test('measurements, frequency and time', () => {
  assert.is(
    measurementTreatment('frequency', 0.88, 0.88 - 1.02, 'offenders'),
    '88 proven reoffences were committed by these 100 offenders during the year (a frequency of 0.9 offences per person), 14 offences fewer than in the comparison group.',
  );
  assert.is(
    measurementTreatment('frequency', 1.5, 0.004, 'offenders'),
    '150 proven reoffences were committed by these 100 offenders during the year (a frequency of 1.5 offences per person), similar to the comparison group.',
  );
  assert.is(measurementTreatment('time', 157.2, 7.4, 'offenders'), '157 days was the average time before a reoffender committed their first proven reoffence, 7 days later than the comparison group.');
  assert.is(measurementTreatment('time', 140, -1.2, 'offenders'), '140 days was the average time before a reoffender committed their first proven reoffence, 1 day earlier than the comparison group.');
  assert.is(measurementTreatment('time', 140, 0.3, 'offenders'), '140 days was the average time before a reoffender committed their first proven reoffence, similar to the comparison group.');
  assert.is(measurementComparison('frequency', 1.02, 'offenders'), '102 proven reoffences were committed by these 100 offenders during the year (a frequency of 1.0 offences per person).');
  assert.is(measurementComparison('time', 150.4, 'offenders'), '150 days was the average time before a reoffender committed their first proven reoffence.');
});

test('icons: green for significantly better, red for significantly worse, grey otherwise', () => {
  assert.equal(icon('rate', -0.1, true), { symbol: '▼', tone: 'good', label: 'lower, statistically significant' });
  assert.equal(icon('rate', 0.1, true), { symbol: '▲', tone: 'bad', label: 'higher, statistically significant' });
  assert.is(icon('rate', -0.1, false).tone, 'neutral');
  assert.equal(icon('time', 20, true), { symbol: '▲', tone: 'good', label: 'longer, statistically significant' });
  assert.is(icon('time', -20, true).tone, 'bad');
  assert.is(icon('rate', 0.001, false).symbol, '=');
});

test('estimates: significantly lower, significantly higher, not significant (exact phrases)', () => {
  assert.equal(ciPhrase('rate', -0.0812, -0.0213, 'offenders'), { text: 'lower by between 2 and 8 offenders.', significant: true, more: null });
  assert.equal(ciPhrase('time', 12.34, 23.45, 'offenders'), { text: 'longer by between 12 and 23 days.', significant: true, more: null });
  assert.equal(ciPhrase('frequency', 12.34, 23.45, 'offenders'), { text: 'higher by between 1,234 and 2,345 offences.', significant: true, more: null });
  assert.equal(ciPhrase('time', -2345.2, -1234.4, 'offenders'), { text: 'shorter by between 1,234 and 2,345 days.', significant: true, more: null });
  assert.equal(ciPhrase('frequency', -12.34, 23.45, 'women'), {
    text: 'lower by as many as 1,234 offences, or higher by as many as 2,345 offences.',
    significant: false,
    more: 'More women would need to be available for analysis in order to determine the direction of this difference.',
  });
  assert.is(ciPhrase('rate', -0.01, 0.03, 'offenders').text, 'lower by as many as 1 offender, or higher by as many as 3 offenders.');
});

test('what you can say: decreases, increases, may decrease or increase; lengthens, shortens', () => {
  const org = 'Org';
  assert.is(canSay('rate', -0.08, -0.02, org, 'offenders'), 'This analysis provides evidence that, for every 100 offenders, support from Org decreases the number of proven reoffenders during a one-year period by between 2 and 8 people.');
  assert.is(canSay('rate', 0.02, 0.08, org, 'offenders'), 'This analysis provides evidence that, for every 100 offenders, support from Org increases the number of proven reoffenders during a one-year period by between 2 and 8 people.');
  assert.is(canSay('rate', -0.05, 0.03, org, 'offenders'), 'This analysis provides evidence that, for every 100 offenders, support from Org may decrease the number of proven reoffenders during a one-year period by up to 5 people, or may increase it by up to 3 people.');
  assert.is(canSay('frequency', -0.44, -0.12, org, 'women'), 'This analysis provides evidence that, for every 100 women, support from Org decreases the number of proven reoffences during a one-year period by between 12 and 44 offences.');
  assert.is(canSay('time', 3, 40, org, 'offenders'), 'This analysis provides evidence that support from Org lengthens the average time to first proven reoffence by between 3 and 40 days.');
  assert.is(canSay('time', -40, -3, org, 'offenders'), 'This analysis provides evidence that support from Org shortens the average time to first proven reoffence by between 3 and 40 days.');
  assert.is(canSay('time', -14, 28, org, 'offenders'), 'This analysis provides evidence that support from Org may shorten the average time to first proven reoffence by up to 14 days, or may lengthen it by up to 28 days.');
});

test('what you cannot say: every claim the interval does not support', () => {
  assert.is(cannotSay('rate', -0.08, -0.02, 'Org'), 'This analysis shows that Org increases/has no effect on the reoffending rate of its participants.');
  assert.is(cannotSay('rate', 0.02, 0.08, 'Org'), 'This analysis shows that Org decreases/has no effect on the reoffending rate of its participants.');
  assert.is(cannotSay('rate', -0.05, 0.03, 'Org'), 'This analysis shows that Org increases/decreases/has no effect on the reoffending rate of its participants.');
  assert.is(cannotSay('time', 3, 40, 'Org'), 'This analysis shows that Org shortens/has no effect on the time to first reoffence of its participants.');
  assert.is(cannotSay('frequency', -1, 1, 'Org'), 'This analysis shows that Org increases/decreases/has no effect on the reoffending frequency of its participants.');
});

test('summary: significantly better, significantly worse, mixed, not significant', () => {
  assert.is(summarySentence([{ kind: 'rate', difference: -0.1, significant: true }, { kind: 'frequency', difference: -0.1, significant: false }]),
    'The overall results show that those who took part in the programme were less likely to reoffend than those who did not.');
  assert.is(summarySentence([{ kind: 'rate', difference: -0.1, significant: true }, { kind: 'frequency', difference: -0.3, significant: true }, { kind: 'time', difference: 20, significant: true }]),
    'The overall results show that those who took part in the programme were less likely to reoffend, had a lower frequency of reoffending and took longer to reoffend than those who did not.');
  assert.is(summarySentence([{ kind: 'rate', difference: 0.1, significant: true }]),
    'The overall results show that those who took part in the programme were more likely to reoffend than those who did not.');
  assert.is(summarySentence([{ kind: 'rate', difference: -0.1, significant: false }, { kind: 'time', difference: -9, significant: false }]), NOT_SIGNIFICANT_SUMMARY);
});

test('intro paragraph, period, number needed', () => {
  assert.is(periodPhrase('2019-01-01', '2020-12-31'), 'between January 2019 and December 2020');
  assert.is(periodPhrase('2019-03-01', '2019-03-31'), 'in March 2019');
  const p = introParagraph({ treated: 1258, term: 'offenders', period: 'between January 2019 and December 2020', org: 'Org', notIncluded: 93 });
  assert.ok(p.startsWith("The headline analysis in this report measured proven reoffences in a one-year period for a 'treatment group' of 1,258 offenders who received support some time between January 2019 and December 2020"));
  assert.ok(p.endsWith('The support may have had a different impact on 93 other participants whose details were submitted but who did not meet the minimum criteria for analysis.'));
  assert.not.ok(introParagraph({ treated: 80, term: 'offenders', period: 'in 2019', org: 'Org', notIncluded: null }).includes('different impact'));
  // Labelled for what it is: a size for 80% power if the observed difference were true.
  assert.is(
    numberNeededSentence(1250, 'offenders'),
    'Based on the current measurements, it is estimated that 1,250 offenders would be needed in the treatment group for an 80% chance of finding a statistically significant difference in the reoffending rate, if the difference observed here were the true one.',
  );
});

test('significant results box', () => {
  assert.is(significantIntro(1, 1), 'One measure shows a statistically significant result. This provides significant evidence that:');
  assert.is(significantIntro(3, 1), '3 measures show a statistically significant result. These provide significant evidence that:');
  assert.is(significantIntro(4, 2), 'There are 4 statistically significant results among the analyses. These provide significant evidence that:');
  assert.is(significantIntro(0, 1), 'No measure shows a statistically significant result.');
  assert.is(significantBullet('reoff', true, 'Org'), 'people who received support from Org were less likely to reoffend than those in the comparison group');
  assert.is(significantBullet('days_to_first', false, 'Org'), 'reoffenders among people who received support from Org committed their first proven reoffence later than those in the comparison group');
  for (const id of ['reoff_freq', 'first_indictable', 'first_either_way', 'first_summary', 'freq_indictable', 'freq_either_way', 'freq_summary', 'first_custody', 'custody_freq']) {
    assert.ok(significantBullet(id, true, 'Org').length > 20, id);
  }
});

test('matching quality thresholds at 5 % and 10 %', () => {
  assert.is(matchQuality(4.99), 'well');
  assert.is(matchQuality(5), 'reasonable');
  assert.is(matchQuality(10), 'reasonable');
  assert.is(matchQuality(10.01), 'poor');
  assert.is(matchingSummary({ well: 4, reasonable: 0, poor: 0 }, []), 'All 4 matching variables were well matched (standardised differences below 5% and variance ratios between 0.8 and 1.25).');
  assert.ok(matchingSummary({ well: 3, reasonable: 1, poor: 1 }, ['ogrs']).includes('1 was poorly matched (above 10%, or a variance ratio outside 0.5 to 2): ogrs'));
});

test('balance is judged on the variance ratio too: a matched mean with half the spread is not "reasonably matched"', () => {
  // Request 123's age: SMD -5.2 %, variance ratio 0.47 (issue 20).
  assert.is(matchQuality(5.2, 0.47), 'poor');
  assert.is(matchQuality(5.2, 1.0), 'reasonable');
  assert.is(matchQuality(2.5, 0.79), 'reasonable');
  assert.is(matchQuality(2.5, 0.8), 'well');
  assert.is(matchQuality(2.5, 1.25), 'well');
  assert.is(matchQuality(2.5, 2.01), 'poor');
  assert.is(matchQuality(12, 1.0), 'poor');
  assert.is(matchQuality(1, null), 'well', 'binary variables have no variance ratio');
});

test('a bound that rounds to 0 is printed to one decimal place, so the wording agrees with the interval', () => {
  // Issue 20, version 1: lower bound -0.42 days printed "0", "may shorten … by up to 0 days".
  assert.is(boundMagnitude(-0.42), '0.4');
  assert.is(boundMagnitude(0.11), '0.1');
  assert.is(boundMagnitude(0.04), 'less than 0.1');
  assert.is(boundMagnitude(0), '0');
  assert.is(boundMagnitude(12.6), '13');
  assert.is(boundMagnitude(-0.004, 2), '0.004');
  assert.is(tableIntervalText('time', -0.42, 28.9), '-0.4 to 29');
  assert.is(tableIntervalText('time', 0.11, 30.2), '0.1 to 30');
  assert.is(tableIntervalText('rate', -0.0596, 0.0021), '-6 to 0.2');
  assert.is(tableIntervalText('frequency', -0.17, 0.004), '-0.17 to 0.004');
  assert.is(tableIntervalText('rate', -0.10, -0.0001), '-10 to -<0.1');
  assert.is(
    canSay('time', -0.42, 28.9, 'Org', 'offenders'),
    'This analysis provides evidence that support from Org may shorten the average time to first proven reoffence by up to 0.4 days, or may lengthen it by up to 29 days.',
  );
  assert.is(canSay('time', 0.11, 30.2, 'Org', 'offenders'), 'This analysis provides evidence that support from Org lengthens the average time to first proven reoffence by between 0.1 and 30 days.');
  assert.is(ciPhrase('time', -0.42, 28.9, 'offenders').text, 'shorter by as many as 0.4 days, or longer by as many as 29 days.');
  // Whatever the interval, the wording's branch follows its sign and the printed bounds never read "0".
  for (const [lo, hi] of [[-0.42, 28.9], [0.11, 30.2], [-3e-5, 0.2], [-0.2, 4e-4]] as const) {
    const printed = tableIntervalText('time', lo, hi);
    assert.not.match(printed, /(^|\s|-)0( |$)/, printed);
    assert.is(ciPhrase('time', lo, hi, 'offenders').significant, lo > 0 || hi < 0);
  }
});

test('p-values that would print as 0.05 get a third decimal; fragile results are named', () => {
  assert.is(pText(0.0569), '0.06');
  assert.is(pText(0.0504), '0.050');
  assert.is(pText(0.0496), '0.050');
  assert.is(pText(0.0546), '0.055');
  assert.is(pText(0.004), '<0.01');
  assert.equal(fragility('time', -0.42, 28.9, 0.0569), { fragile: true, pNear: true, boundNearZero: true });
  assert.equal(fragility('rate', -0.10, -0.02, 0.01), { fragile: false, pNear: false, boundNearZero: false });
  assert.equal(fragility('rate', -0.10, -0.004, 0.03), { fragile: true, pNear: false, boundNearZero: true });
  assert.equal(fragility('frequency', -0.17, 0.05, 0.041), { fragile: true, pNear: true, boundNearZero: false });
  const note = fragileNote('Time to first reoffence', fragility('time', 0.11, 30.2, 0.049), 0.049, '0.1 days');
  assert.ok(note.startsWith('Time to first reoffence: this result is fragile.'));
  assert.ok(note.includes('p-value (0.049)') && note.includes('(0.1 days) is close to zero'), note);
});

test('singular of the people term', () => {
  assert.is(singular('offenders'), 'offender');
  assert.is(singular('women'), 'woman');
  assert.is(singular('people'), 'person');
});

test.run();
