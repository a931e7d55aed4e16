// The standalone link command on files an analyst might have: a CSV cohort with dd/mm/yyyy
// dates, headers in another case and no gender column, against a register people file.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { linkCommand } from '../../commands/link.ts';
import { Duck } from '../../src/duck.ts';
import { writeHandRegister } from '../register/hand-register.ts';

const ddmmyyyy = (iso: string) => `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(0, 4)}`;

async function setup() {
  const ref = await writeHandRegister({
    people: [
      { register_id: 1, forename: 'William', surname: "O'Brien", dob: '1985-03-07', pnc_id: '2004/0123456X' },
      { register_id: 2, forename: 'Sarah', surname: 'Jones', dob: '1990-11-30', gender: 'F' },
      { register_id: 3, forename: 'Mohammed', surname: 'Khan', dob: '1979-01-15' },
      { register_id: 4, forename: 'Gemma', surname: 'Lloyd', dob: '1995-06-21', gender: 'F' },
    ],
    disposals: [],
    offences: [],
    prisonNumbers: [{ register_id: 3, prison_number: 'B7654CD', first_used: '2005-01-01' }],
    extractDate: '2024-12-31',
  });
  const dir = mkdtempSync(join(tmpdir(), 'link-command-'));
  const cohort = join(dir, 'cohort.csv');
  // rows 2..7 as the analyst sees them in a spreadsheet
  writeFileSync(cohort, [
    'Surname,Forename,DOB,PNC ID,Prison Number',
    `OBRIEN,Bill,${ddmmyyyy('1985-07-03')},2004/0123456X,`, // row 2: PNC, nickname, swapped dob
    `Jones,Sarah,${ddmmyyyy('1990-11-30')},,`, // row 3: exact, no gender
    `Khan,Mohamed,${ddmmyyyy('1979-01-15')},,b7654cd`, // row 4: prison number
    `Nobody,Here,${ddmmyyyy('1960-01-01')},,`, // row 5: no match
    `Jones,Sarah,1990-11-30,,`, // row 6: duplicate of row 3, ISO date
    `Lloyd,Gemma,${ddmmyyyy('1995-06-02')},,`, // row 7: name, birth year and month only: suspect
  ].join('\n') + '\n');
  return { ref, dir, cohort };
}

test('links a CSV cohort to a people file and writes links and a match report', async () => {
  const { ref, dir, cohort } = await setup();
  const out = join(dir, 'out');
  const code = await linkCommand(['--cohort', cohort, '--people', join(ref, 'people.parquet'), '--prison-numbers', join(ref, 'prison_numbers.parquet'), '--out', out]);
  assert.is(code, 0);
  const db = await Duck.open({ threads: 1 });
  let rows: { row: number; status: string; tier: string | null; register_id: string | null }[];
  try {
    rows = await db.json('SELECT row, status, tier, register_id FROM read_parquet($p) ORDER BY row', { p: join(out, 'links.parquet') });
  } finally {
    db.close();
  }
  assert.equal(rows, [
    { row: 2, status: 'linked', tier: 'pnc', register_id: '1' },
    { row: 3, status: 'linked', tier: 'exact', register_id: '2' },
    { row: 4, status: 'linked', tier: 'prison_number', register_id: '3' },
    { row: 5, status: 'no_match', tier: null, register_id: null },
    { row: 6, status: 'duplicate', tier: 'exact', register_id: '2' },
    { row: 7, status: 'suspect', tier: null, register_id: null },
  ]);
  assert.is(statSync(join(out, 'links.parquet')).mode & 0o077, 0);
  const report = JSON.parse(readFileSync(join(out, 'match-report.json'), 'utf8'));
  assert.is(report.cohort_rows, 6);
  assert.is(report.linked, 3);
  assert.equal(report.attrition.map((a: { step: string }) => a.step), ['submitted', 'no_match', 'suspect', 'duplicate']);
  // aggregate only: no names from the files
  const text = readFileSync(join(out, 'match-report.json'), 'utf8').toUpperCase();
  for (const name of ['JONES', 'KHAN', 'OBRIEN', 'LLOYD']) assert.not.ok(text.includes(name));
});

test('a cohort without a required column is a usage error, and nothing is written', async () => {
  const { ref, dir } = await setup();
  const bad = join(dir, 'bad.csv');
  writeFileSync(bad, 'surname,dob\nJones,30/11/1990\n');
  const out = join(dir, 'out-bad');
  const errors: string[] = [];
  const original = console.error;
  console.error = (m: string) => errors.push(String(m));
  try {
    assert.is(await linkCommand(['--cohort', bad, '--people', join(ref, 'people.parquet'), '--out', out]), 2);
    assert.is(await linkCommand(['--people', join(ref, 'people.parquet')]), 2);
  } finally {
    console.error = original;
  }
  assert.ok(errors[0]!.includes('forename'));
  assert.not.ok(errors.join('\n').includes('Jones'));
  assert.not.ok(existsSync(out), 'not even an empty output folder');
});

test.run();
