// Hostile and odd uploads that we did not generate: each probe is a real file in a temp request
// folder, run through the intake stage. Each was found to crash, mislead or leak before its fix.
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HEADER, csvText, kinds, people, readRejections, requestFolder, rowsOf, runIntake } from './helpers.ts';

const PARAMS = { minPeople: 5 };
const good = (n = 10) => csvText([HEADER, ...people(n)]);

test('a header of 200,000 unknown columns is refused by column, not by a stack overflow, and the message stays short', async () => {
  const text = good().replace('notes\n', `notes${',extra'.repeat(200_000)}\n`);
  const run = await runIntake(requestFolder({ 'cohort.csv': text }), PARAMS);
  assert.is(run.summary.status, 'rejected');
  assert.ok(kinds(run.summary).has('unknown_column'));
  const stop = run.result!.stop!;
  assert.ok(stop.length < 2_000, `${stop.length} characters of console message`);
  assert.match(stop, /column N \("extra"\) is not a template column.* and 199,990 more columns/);
});

test('a row with 200,000 values beyond the last column is one problem of that row', async () => {
  const lines = good().split('\n');
  lines[3] += ',x'.repeat(200_000);
  const run = await runIntake(requestFolder({ 'cohort.csv': lines.join('\n') }), PARAMS);
  assert.is(run.summary.status, 'accepted', JSON.stringify(run.summary.reasons));
  assert.equal(rowsOf(run.summary, 'extra_values'), [4]);
  const lines4 = readRejections(run.outputs.rejections!).filter((r) => r.row === '4');
  assert.is(lines4.length, 1);
  assert.match(lines4[0]!.problem, /200,000 values beyond the last column/);
});

test.run();
