// The standalone link command on files an analyst might have: a CSV cohort with dd/mm/yyyy
// dates, headers in another case and no gender column, against a register people file.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import linkSpec, { linkCommand } from '../../commands/link.ts';
import { helpText } from '../../src/commands/command.ts';
import { Duck } from '../../src/duck.ts';
import { writeHandRegister } from '../register/hand-register.ts';
import { testTempDir } from '../helpers/temp-dir.ts';

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
  const dir = testTempDir('link-command-');
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

/** Run the command with console output captured. */
async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const [log, error] = [console.log, console.error];
  console.log = (m: string) => out.push(String(m));
  console.error = (m: string) => err.push(String(m));
  try {
    return { code: await linkCommand(argv), out: out.join('\n'), err: err.join('\n') };
  } finally {
    [console.log, console.error] = [log, error];
  }
}

async function readLinks(path: string) {
  const db = await Duck.open({ threads: 1 });
  try {
    return await db.json<{ row: number; status: string; register_id: string | null }>('SELECT row, status, register_id FROM read_parquet($p) ORDER BY row', { p: path });
  } finally {
    db.close();
  }
}

const PEOPLE_CSV = [
  'person_ref,first_name,last_name,birth_date,sex',
  'P-001,Ada,Okonkwo,1985-03-07,F',
  'P-002,Brendan,Quayle,1979-11-21,M',
  'P-003,Chioma,Adeyemi,1992-06-14,F',
  'P-004,Declan,Fairweather,1968-02-03,M',
  'P-005,Eilidh,Macaulay,1990-01-02,F',
].join('\n') + '\n';
const MAP = 'person_ref=register_id,first_name=forename,last_name=surname,birth_date=dob,sex=gender';

test('dates in ISO, dd/mm/yyyy, dd-mm-yyyy and yyyymmdd; unreadable ones counted with their rows; text ids; --columns; --csv', async () => {
  const dir = testTempDir('link-dates-');
  writeFileSync(join(dir, 'people.csv'), PEOPLE_CSV);
  writeFileSync(join(dir, 'cohort.csv'), [
    'first_name,last_name,birth_date,sex,shoe_size',
    'Ada,Okonkwo,1985-03-07,F,5', // row 2: ISO
    'Brendan,Quayle,21/11/1979,M,9', // row 3: dd/mm/yyyy
    'Chioma,Adeyemi,14-06-1992,F,6', // row 4: dd-mm-yyyy
    'Declan,Fairweather,19680203,M,10', // row 5: yyyymmdd
    'Eilidh,Macaulay,01/13/1990,F,4', // row 6: month 13 in dd/mm: unreadable
    'Zeb,Quaxworth,sometime,M,8', // row 7: unreadable
  ].join('\n') + '\n');
  const out = join(dir, 'out');
  const r = await run(['--cohort', join(dir, 'cohort.csv'), '--people', join(dir, 'people.csv'), '--columns', MAP, '--out', out, '--csv']);
  assert.is(r.code, 0, r.err);
  assert.match(r.err, /2 dob value\(s\) are not dates in the format auto and are treated as missing \(rows 6, 7\)/);
  assert.match(r.err, /1 of them read as month\/day\/year: .*--date-format mm\/dd\/yyyy/);
  assert.match(r.err, /columns not used: shoe_size/);
  assert.not.match(r.err + r.out, /Okonkwo|Quayle|sometime/i);
  const links = await readLinks(join(out, 'links.parquet'));
  assert.equal(links.slice(0, 4).map((l) => [l.row, l.status, l.register_id]), [[2, 'linked', 'P-001'], [3, 'linked', 'P-002'], [4, 'linked', 'P-003'], [5, 'linked', 'P-004']]);
  assert.ok(existsSync(join(out, 'links.csv')) && existsSync(join(out, 'model.json')));
  assert.is(statSync(join(out, 'links.csv')).mode & 0o077, 0);
  assert.match(readFileSync(join(out, 'links.csv'), 'utf8'), /^row,status,tier,score,register_id,event_id\n2,linked,exact,/);
  const report = JSON.parse(readFileSync(join(out, 'match-report.json'), 'utf8'));
  assert.equal(report.unreadable_dates, [{ field: 'dob', count: 2, side: 'cohort' }]);
  assert.ok(report.model.comparisons.length === 4 && Array.isArray(report.weight_histogram) && report.weight_histogram.length > 0);
});

test('--date-format mm/dd/yyyy reads American dates', async () => {
  const dir = testTempDir('link-us-');
  writeFileSync(join(dir, 'people.csv'), PEOPLE_CSV);
  writeFileSync(join(dir, 'cohort.csv'), 'first_name,last_name,birth_date\nBrendan,Quayle,11/21/1979\n');
  const r = await run(['--cohort', join(dir, 'cohort.csv'), '--people', join(dir, 'people.csv'), '--columns', MAP, '--date-format', 'mm/dd/yyyy', '--out', join(dir, 'out')]);
  assert.is(r.code, 0, r.err);
  assert.not.match(r.err, /not dates/);
  // progress on the way, and a word that gender, missing on one side, is left out
  assert.match(r.err, /link: compare\.sql done \([0-9.]+ s\)/);
  assert.match(r.err, /gender is not given on both sides/);
  assert.equal((await readLinks(join(dir, 'out', 'links.parquet'))).map((l) => l.register_id), ['P-002']);
  const bad = await run(['--cohort', join(dir, 'cohort.csv'), '--people', join(dir, 'people.csv'), '--columns', MAP, '--date-format', 'whenever', '--out', join(dir, 'out2')]);
  assert.is(bad.code, 2);
  assert.match(bad.err, /--date-format: "whenever" is not one of/);
});

test('repeated or empty register ids are refused, naming rows, and nothing is written', async () => {
  const dir = testTempDir('link-dup-');
  writeFileSync(join(dir, 'people.csv'), PEOPLE_CSV + 'P-002,Bren,Quayle,1979-11-21,M\n');
  writeFileSync(join(dir, 'cohort.csv'), 'first_name,last_name,birth_date\nBrendan,Quayle,1979-11-21\n');
  const r = await run(['--cohort', join(dir, 'cohort.csv'), '--people', join(dir, 'people.csv'), '--columns', MAP, '--out', join(dir, 'out')]);
  assert.is(r.code, 2);
  assert.match(r.err, /register_id must be unique, but 1 row\(s\) repeat an id \(rows 3, 7\)/);
  assert.not.ok(existsSync(join(dir, 'out')));
  writeFileSync(join(dir, 'people2.csv'), PEOPLE_CSV + ',Bren,Quayle,1979-11-21,M\n');
  const e = await run(['--cohort', join(dir, 'cohort.csv'), '--people', join(dir, 'people2.csv'), '--columns', MAP, '--out', join(dir, 'out')]);
  assert.is(e.code, 2);
  assert.match(e.err, /register_id is empty in row\(s\) 7/);
  const m = await run(['--cohort', join(dir, 'cohort.csv'), '--people', join(dir, 'people.csv'), '--columns', 'first_name', '--out', join(dir, 'out')]);
  assert.is(m.code, 2);
  assert.match(m.err, /--columns: "first_name" is not old=new/);
});

test('the help says gender is optional and lists the input options', () => {
  const help = helpText(linkSpec as unknown as Parameters<typeof helpText>[0]);
  for (const s of ['Gender is optional', '--columns', '--date-format', '--csv', '--model', '--threshold']) assert.ok(help.includes(s), s);
});

test('the same pairs whichever file is the cohort, and a saved model scores the same', async () => {
  const dir = testTempDir('link-sym-');
  const a = ['id,forename,surname,dob', 'A1,Ada,Okonkwo,1985-03-07', 'A2,Brendan,Quayle,1979-11-21', 'A3,Chioma,Adeyemi,1992-06-14', 'A4,Declan,Fairweather,1968-02-03', 'A5,Ian,Smith,1970-01-01'];
  const b = ['id,forename,surname,dob', 'B1,Chioma,Adeyemi,1992-06-14', 'B2,Adah,Okonkwo,1985-07-03', 'B3,Quayle,Brendan,1979-11-21', 'B4,Declan,Fairweather,1968-02-03', 'B5,Ivan,Smyth,1971-05-05'];
  writeFileSync(join(dir, 'a.csv'), a.join('\n') + '\n');
  writeFileSync(join(dir, 'b.csv'), b.join('\n') + '\n');
  const pairs = async (cohort: string, people: string, cohortIds: string[], extra: string[] = []) => {
    const out = join(dir, `out-${cohort}-${extra.length}`);
    const r = await run(['--cohort', join(dir, cohort), '--people', join(dir, people), '--columns', 'id=register_id', '--out', out, ...extra]);
    assert.is(r.code, 0, r.err);
    return (await readLinks(join(out, 'links.parquet'))).filter((l) => l.register_id).map((l) => [cohortIds[l.row - 2]!, l.register_id!].sort().join('~')).sort();
  };
  const ab = await pairs('a.csv', 'b.csv', a.slice(1).map((l) => l.split(',')[0]!));
  const ba = await pairs('b.csv', 'a.csv', b.slice(1).map((l) => l.split(',')[0]!));
  assert.equal(ab, ['A1~B2', 'A2~B3', 'A3~B1', 'A4~B4']);
  assert.equal(ba, ab);
  const again = await pairs('a.csv', 'b.csv', a.slice(1).map((l) => l.split(',')[0]!), ['--model', join(dir, 'out-a.csv-0', 'model.json')]);
  assert.equal(again, ab);
});

test.run();
