import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { retentionDecision } from '../../stages/purge/retention.ts';

test('a request never shared is kept at most 12 months after receipt', () => {
  const d = retentionDecision({ dates: { received: '2025-02-03', results_shared: null, publication: null }, review_period_days: 28, retention: { pseudonymised_opt_out: false } });
  assert.is(d.due, '2026-02-03');
  assert.match(d.rule, /never shared: at most 12 months after receipt/);
  assert.match(d.reason, /never shared/);
  const custom = retentionDecision({ dates: { received: '2025-01-31' } }, {}, { refusedDays: 30, unsharedMonths: 1 });
  assert.is(custom.due, '2025-02-28', 'one month after 31 January is the last day of February');
});

test('a refused request is due 30 days after receipt (or its first run when the form gives no date)', () => {
  assert.is(retentionDecision({ dates: { received: '2025-02-03' } }, { stopped: true }).due, '2025-03-05');
  assert.is(retentionDecision({}, { stopped: true, firstRun: '2025-01-10' }).due, '2025-02-09');
  assert.is(retentionDecision({ dates: { received: '2025-02-03' } }, { stopped: true }, { refusedDays: 7, unsharedMonths: 12 }).due, '2025-02-10');
  assert.is(retentionDecision({}, { stopped: true }).due, null);
  assert.is(retentionDecision({}, { stopped: true, firstRun: '2025-01-10' }).reason, 'request refused');
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

test('person-level pseudonymised data goes with the personal data, opt-out or not (it re-identifies through the register)', () => {
  for (const optOut of [true, false]) {
    const d = retentionDecision({ dates: { results_shared: '2025-03-01', publication: null }, review_period_days: 28, retention: { pseudonymised_opt_out: optOut } });
    assert.equal(d.classifications, ['personal', 'pseudonymised']);
  }
});

test.run();
