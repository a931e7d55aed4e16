// A date of birth is mandatory (the DPIA's "mandatory data items ... Name, Date of birth, Gender",
// the methodology's essential fields), so a row without a usable one never reaches linkage: it is
// refused, counted as unusable and named by row and field, in the summary (no value) and in the
// provider's rejection file; the cohort the linkage stage reads does not hold it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HEADER, csvText, people, readParquet, readRejections, requestFolder, runIntake } from './helpers.ts';

test('a row without a usable dob (blank, a placeholder, not a date) is refused, counted and named by row and field', async () => {
  const rows = people(70);
  const dob = HEADER.indexOf('dob');
  rows[0]![dob] = ''; // spreadsheet row 2
  rows[5]![dob] = 'N/A'; // row 7
  rows[9]![dob] = 'unknown'; // row 11
  rows[12]![dob] = '31/02/1990'; // row 14: not a real date
  const run = await runIntake(requestFolder({ 'cohort.csv': csvText([HEADER, ...rows]) }));
  assert.is(run.summary.status, 'accepted');
  assert.is(run.summary.counts.unusable, 4);
  const named = run.summary.problems.filter((p) => p.field === 'dob').flatMap((p) => p.rows).sort((a, b) => a - b);
  assert.equal(named, [2, 7, 11, 14]);
  for (const p of run.summary.problems.filter((x) => x.field === 'dob')) assert.is(p.effect, 'row not used');
  // the provider's file names the same rows and field
  const rejected = readRejections(run.outputs.rejections!).filter((r) => r.field === 'dob').map((r) => Number(r.row)).sort((a, b) => a - b);
  assert.equal(rejected, [2, 7, 11, 14]);
  // and the cohort linkage reads has none of them, and no row without a dob
  const cohort = await readParquet(run.outputs.cohort!);
  assert.is(cohort.length, 66);
  assert.ok(cohort.every((r) => r.dob !== null && ![2, 7, 11, 14].includes(Number(r.row))));
});

test.run();
