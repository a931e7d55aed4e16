// Blocking rules for the hard cases, on hand-made records through the real SQL (the keys of
// link.ts, candidates.sql): a row without a date of birth whose forename field holds a middle name, or
// forename and middle name, or one part of a double-barrelled surname, is still a candidate of its
// person, either file missing the date; names swapped with a middle name used likewise. And the
// rules stay blocks: people who share neither the sound of a surname part nor of a forename part
// are never compared.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { linkFiles } from '../../stages/linkage/link-files.ts';
import { Duck } from '../../src/duck.ts';
import { testTempDir } from '../helpers/temp-dir.ts';
import { keyedTables, LINKAGE_DIR } from './keyed-tables.ts';

type Rec = [surname: string, forename: string, dob: string | null];

/** The candidate pairs blocking keeps, as "row~register_id". */
async function blocked(cohort: Rec[], people: Rec[]): Promise<string[]> {
  const record = ([surname, forename, dob]: Rec) => ({ surname, forename, dob });
  const db = await keyedTables(cohort.map(record), people.map(record));
  try {
    await db.file(join(LINKAGE_DIR, 'candidates.sql'), { name_block_cap: 50 });
    return (await db.all<{ p: string }>(`SELECT row || '~' || rid AS p FROM candidates ORDER BY row, rid`)).map((r) => r.p);
  } finally {
    db.close();
  }
}

test('a row without a dob: a middle name as the forename, forename and middle name, one part of a surname', async () => {
  const people: Rec[] = [
    ['Simpson', 'Lee Ashley', '1981-07-21'], // 1
    ['Hall', 'Natalie', '1981-07-07'], // 2
    ['Smith-Wilson', 'John', '1989-09-15'], // 3
    ['Simpson', 'Lee Mark', '1975-01-01'], // 4: shares the surname, not a forename part
    ['Jones', 'Lee Ashley', '1975-01-01'], // 5: shares the forenames, not a surname part
    ['Hartham', 'Matthew Terence', '1988-06-01'], // 6
  ];
  const got = await blocked([
    ['SIMPSON', 'ASHLEY', null], // row 2: the middle name used
    ['Hall', 'Gemma Natalie', null], // row 3: forename and middle name, the register has one
    ['Wilson', 'John', null], // row 4: one part of a double-barrelled surname
    ['Hartham', 'Terence', null], // row 5: the middle name used
    ['Simpson', 'Ashley', '1990-02-02'], // row 6: a dob that is not the person's: names alone do not block here
  ], people);
  assert.equal(got, ['2~1', '3~2', '4~3', '5~6']);
});

test('the register without a dob: the same rule the other way round', async () => {
  const got = await blocked(
    [['Simpson', 'Lee Ashley', '1981-07-21'], ['Hall', 'Natalie', '1981-07-07'], ['Wilson', 'John', '1989-09-15']],
    [['Simpson', 'Ashley', null], ['Hall', 'Gemma Natalie', null], ['Smith-Wilson', 'John', null], ['Jones', 'Ashley', null]],
  );
  assert.equal(got, ['2~1', '3~2', '4~3']);
});

test('names swapped and a middle name used: JOHN WATKINS for WATKINS THOMAS JOHN, either file', async () => {
  const got = await blocked(
    [
      ['John', 'Watkins', '1998-10-14'], // row 2: swapped, the middle name as the surname
      ['Okafor', 'David Paul', '1970-03-03'], // row 3: the register has them swapped, middle name used
      ['John', 'Watkins', '1998-10-15'], // row 4: as row 2 with another date of birth: not compared
    ],
    [['Watkins', 'Thomas John', '1998-10-14'], ['Paul', 'Okafor', '1970-03-03']],
  );
  assert.equal(got, ['2~1', '3~2']);
});

test('the link tool: a row without a dob whose forename field holds the middle name is compared with its person', async () => {
  const dir = testTempDir('link-no-dob-');
  writeFileSync(join(dir, 'people.csv'), ['register_id,surname,forename,dob',
    'P1,Simpson,Lee Ashley,1981-07-21', 'P2,Hall,Natalie,1981-07-07', 'P3,Okafor,David,1975-02-02', 'P4,Simpson,Mark,1990-05-05'].join('\n') + '\n');
  writeFileSync(join(dir, 'cohort.csv'), ['surname,forename,dob',
    'Simpson,Ashley,', // row 2: the middle name, no dob
    'Hall,Gemma Natalie,', // row 3: forename and middle name, no dob
    'Okafor,David,1975-02-02', // row 4: exact
  ].join('\n') + '\n');
  const result = await linkFiles({ cohort: join(dir, 'cohort.csv'), people: join(dir, 'people.csv'), out: join(dir, 'out'), threads: 1 });
  const db = await Duck.open({ threads: 1 });
  try {
    const rows = await db.json<{ row: number; score: number | null }>('SELECT row, score FROM read_parquet($p) ORDER BY row', { p: result.files.links });
    // a score is the best candidate's match probability: NULL when blocking found nobody
    assert.ok(rows.find((r) => r.row === 2)!.score !== null, 'row 2 compared');
    assert.ok(rows.find((r) => r.row === 3)!.score !== null, 'row 3 compared');
  } finally {
    db.close();
  }
});

test.run();
