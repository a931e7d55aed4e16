// Every wording branch of the standard report (methodology §7, §8), with the exact sentences.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  canSay, cannotSay, ciPhrase, icon, introParagraph, matchingSummary, matchQuality, measurementComparison, measurementTreatment,
  NOT_SIGNIFICANT_SUMMARY, numberNeededSentence, periodPhrase, significantBullet, significantIntro, singular, summarySentence,
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
  assert.is(numberNeededSentence(1250, 'offenders'), 'Based on the current measurements, it is estimated that 1,250 offenders would be needed.');
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
  assert.is(matchingSummary({ well: 4, reasonable: 0, poor: 0 }, []), 'All 4 matching variables were well matched (standardised differences below 5%).');
  assert.ok(matchingSummary({ well: 3, reasonable: 1, poor: 1 }, ['ogrs']).includes('1 was poorly matched (above 10%): ogrs'));
});

test('singular of the people term', () => {
  assert.is(singular('offenders'), 'offender');
  assert.is(singular('women'), 'woman');
  assert.is(singular('people'), 'person');
});

test.run();
