// Which shared versions the differencing rule guards (stages/report/provider-data.ts): those
// computed from other people (a provider's correction or withdrawal) or from unknown people (frozen
// before results carried source.cohort_sha256), never the same people analysed again. And the
// intake's fingerprint those decisions rest on: the same people in another order give the same
// hash, one changed field or one person fewer another.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Json } from '../../src/stage.ts';
import { cohortFingerprint } from '../../stages/intake/cohort-fingerprint.ts';
import type { CohortRow } from '../../stages/intake/validate-rows.ts';
import { providerDataChanged, versionsToGuard } from '../../stages/report/provider-data.ts';
import type { SharedVersion } from '../../stages/report/erratum.ts';

const person = (row: number, surname: string, dob: string): CohortRow => ({
  row, reference: null, surname, forename: 'Alex', dob, gender: 'M', pnc_id: null, prison_number: null, index_date: null, conviction_date: null,
  intervention_start_date: '2025-01-01', intervention_end_date: null, sentence_type: null, surname_key: surname.toUpperCase(), forename_key: 'ALEX',
});
const cohort = [person(2, 'Smith', '1990-01-01'), person(3, 'Jones', '1985-05-05'), person(4, 'Brown', '1979-09-09')];

test('the cohort fingerprint: same people in another order or rows, same hash; a corrected field or one fewer, another', () => {
  const h = cohortFingerprint(cohort);
  assert.match(h, /^[0-9a-f]{64}$/);
  assert.is(cohortFingerprint([...cohort].reverse().map((p, i) => ({ ...p, row: 10 + i }))), h, 'order and row numbers do not matter');
  assert.is.not(cohortFingerprint(cohort.slice(1)), h, 'one person fewer');
  assert.is.not(cohortFingerprint([{ ...cohort[0]!, dob: '1990-01-02' }, ...cohort.slice(1)]), h, 'one date of birth corrected');
});

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const version = (n: number, source: Json): SharedVersion => ({ version: n, shared_on: '2026-11-10', results: { source } as Record<string, Json> });
const now = (hash: string, withdrawn: number) => ({ source: { cohort_file: 'cohort.csv', entries: 630, cohort_sha256: hash, withdrawn } }) as unknown as Json;

test('the rule guards a version with other people, a withdrawal, or unknown people; not the same people', () => {
  const same = version(1, { cohort_file: 'cohort.csv', entries: 630, cohort_sha256: A, withdrawn: 0 });
  assert.not.ok(providerDataChanged(same, now(A, 0)), 'same people: an analysis change');
  assert.ok(providerDataChanged(same, now(B, 0)), 'the provider corrected its file');
  assert.ok(providerDataChanged(same, now(A, 1)), 'the provider withdrew someone');
  const old = version(1, { cohort_file: 'cohort.csv', entries: 630 });
  assert.ok(providerDataChanged(old, now(A, 0)), 'frozen before the fingerprint: unknown, guarded');
  assert.ok(providerDataChanged(version(1, { cohort_file: 'cohort.csv', entries: 630, cohort_sha256: A, withdrawn: null }), now(A, 0)), 'no withdrawn count: unknown');
  assert.ok(providerDataChanged(same, { source: { cohort_sha256: null, withdrawn: 0 } } as unknown as Json), 'the current run cannot say: guarded');
  const v2 = version(2, { cohort_file: 'corrections/2026-11-11-cohort.csv', entries: 629, cohort_sha256: B, withdrawn: 0 });
  assert.equal(versionsToGuard([same, v2], now(B, 0)).map((v) => v.version), [1], 'only the versions with other people');
});

test.run();
