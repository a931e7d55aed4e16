import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { retentionDecision } from '../../stages/purge/retention.ts';

test('nothing is due until the results are shared', () => {
  const d = retentionDecision({ dates: { results_shared: null, publication: null }, review_period_days: 28, retention: { pseudonymised_opt_out: false } });
  assert.is(d.due, null);
  assert.equal(d.classifications, ['personal']);
  assert.match(d.rule, /not shared yet/);
});

test('due at the later of the review period end and one month after publication', () => {
  const reviewLater = retentionDecision({ dates: { results_shared: '2025-03-01', publication: '2025-02-10' }, review_period_days: 28, retention: { pseudonymised_opt_out: false } });
  assert.is(reviewLater.due, '2025-03-29');
  const publicationLater = retentionDecision({ dates: { results_shared: '2025-03-01', publication: '2025-03-20' }, review_period_days: 21 });
  assert.is(publicationLater.due, '2025-04-20');
  const monthEnd = retentionDecision({ dates: { results_shared: '2025-01-01', publication: '2025-01-31' }, review_period_days: 21 });
  assert.is(monthEnd.due, '2025-02-28', 'a month after 31 January is the last day of February');
  const leap = retentionDecision({ dates: { results_shared: '2024-02-10', publication: null }, review_period_days: 21 });
  assert.is(leap.due, '2024-03-02', '2024 is a leap year');
});

test('an opt-out adds pseudonymised data to what is deleted', () => {
  const d = retentionDecision({ dates: { results_shared: '2025-03-01', publication: null }, review_period_days: 28, retention: { pseudonymised_opt_out: true } });
  assert.equal(d.classifications, ['personal', 'pseudonymised']);
  assert.match(d.rule, /opted out/);
});

test.run();
