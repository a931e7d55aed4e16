// Each comparison level of the model, the crosswise (swapped names) and multi-part rules, the
// phonetic code and term frequencies, checked on hand-made pairs through the real SQL (the
// register's and the cohort's keys of link.ts, compare.sql), and the weights of a trained model:
// twins of different sex are never linked to each other.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { Duck } from '../../src/duck.ts';
import { keyRegister } from '../../stages/linkage/link.ts';
import { keyedTables, LINKAGE_DIR } from './keyed-tables.ts';

interface Pair { fn: [string | null, string | null]; sn: [string | null, string | null]; dob?: [string | null, string | null]; g?: [string | null, string | null] }

/** Compare pairs (cohort row i against register person i) and return their comparison vectors. */
async function gammas(pairs: Pair[]) {
  const side = (k: 0 | 1) => pairs.map((p) => ({ surname: p.sn[k], forename: p.fn[k], dob: (p.dob ?? ['1980-01-01', '1980-01-01'])[k], gender: (p.g ?? [null, null])[k] }));
  const db = await keyedTables(side(0), side(1));
  try {
    // every pair is compared, whatever blocking would have kept: this tests the comparison rules
    await db.run('CREATE TABLE candidates AS SELECT row, row - 1 AS rid FROM cohort');
    for (const f of ['blocked-pairs.sql', 'compare.sql']) await db.file(join(LINKAGE_DIR, f));
    return await db.all<{ lid: number; g_fn: number; g_sn: number; g_dob: number; g_gender: number; swapped: boolean; fn_exact: string | null }>(
      `SELECT lid::INTEGER AS lid, g_fn, g_sn, g_dob, g_gender, swapped, fn_exact FROM pair_gammas WHERE kind = 'blocked' ORDER BY lid`,
    );
  } finally {
    db.close();
  }
}

test('forename levels: exact, shared part, variant, typo, sound, initial, different, missing', async () => {
  const cases: [string | null, string | null, number][] = [
    ['Mary Ann', 'MARY-ANN', 6], ["D'Arcy", 'DARCY', 6],
    ['Paul', 'John Paul', 5], ['Mary', 'Mary Ann', 5],
    ['Bill', 'William', 4], ['Mohammed', 'Muhammad', 4], ['Stephen', 'Steven', 4], ['Katherine', 'Catherine', 4],
    ['Jonathen', 'Jonathan', 3], ['Mihcael', 'Michael', 3], ['Xavier', 'Javier', 3],
    ['Zainab', 'Zaynub', 2],
    ['J', 'John', 1], ['Peter', 'Paul', 1],
    ['Peter', 'Simon', 0], ['Keith', 'Scott', 0],
    [null, 'Simon', -1], ['', 'Simon', -1],
  ];
  const got = await gammas(cases.map(([a, b]) => ({ fn: [a, b], sn: ['Okonkwo', 'Okonkwo'] })));
  const wrong = cases.map(([a, b, want], i) => ({ a, b, want, got: got[i]!.g_fn })).filter((c) => c.got !== c.want);
  assert.equal(wrong, []);
});

test('surname levels: Mc/Mac, hyphenated and double-barrelled parts, apostrophes, typos', async () => {
  const cases: [string, string, number][] = [
    ["O'Brien", 'OBRIEN', 6], ['Smith-Jones', 'SMITH JONES', 6],
    ['Jones', 'Smith-Jones', 5], ['Ravenscroft', 'Smith Ravenscroft', 5],
    ['MacDonald', 'McDonald', 3], ['Flecther', 'Fletcher', 3],
    ['Ogunleye', 'Patterson', 0],
  ];
  const got = await gammas(cases.map(([a, b]) => ({ fn: ['Ada', 'Ada'], sn: [a, b] })));
  const wrong = cases.map(([a, b, want], i) => ({ a, b, want, got: got[i]!.g_sn })).filter((c) => c.got !== c.want);
  assert.equal(wrong, []);
});

test('date of birth levels: exact, day/month swapped, year one out, one digit, transposed, within a year, different, missing', async () => {
  const cases: [string | null, string | null, number][] = [
    ['1985-03-07', '1985-03-07', 5],
    ['1985-07-03', '1985-03-07', 4],
    ['1989-12-31', '1990-12-31', 3], ['1984-03-07', '1985-03-07', 3],
    ['1985-03-08', '1985-03-07', 2], ['1958-03-07', '1985-03-07', 2],
    ['1985-05-20', '1985-03-07', 1],
    ['1960-01-01', '1985-03-07', 0],
    [null, '1985-03-07', -1],
  ];
  const got = await gammas(cases.map(([a, b]) => ({ fn: ['Ada', 'Ada'], sn: ['Okonkwo', 'Okonkwo'], dob: [a, b] })));
  const wrong = cases.map(([a, b, want], i) => ({ a, b, want, got: got[i]!.g_dob })).filter((c) => c.got !== c.want);
  assert.equal(wrong, []);
});

test('gender levels, whatever the spelling', async () => {
  const got = await gammas([
    { fn: ['Ada', 'Ada'], sn: ['Okonkwo', 'Okonkwo'], g: ['Female', 'F'] },
    { fn: ['Ada', 'Ada'], sn: ['Okonkwo', 'Okonkwo'], g: ['M', 'F'] },
    { fn: ['Ada', 'Ada'], sn: ['Okonkwo', 'Okonkwo'], g: [null, 'F'] },
  ]);
  assert.equal(got.map((g) => g.g_gender), [1, 0, -1]);
});

test('names in the other order are compared crosswise, and only when that is clearly better', async () => {
  const got = await gammas([
    { fn: ['Okafor', 'David'], sn: ['David', 'Okafor'] }, // swapped
    { fn: ['Wei', 'Zhang'], sn: ['Zhang', 'Wei'] }, // Chinese name order
    { fn: ['Okafr', 'David'], sn: ['David', 'Okafor'] }, // swapped, with a typo
    { fn: ['David', 'David'], sn: ['Okafor', 'Okafor'] }, // direct
    { fn: ['Thomas', 'Thomas'], sn: ['Thomas', 'Thomas'] }, // the same both ways: direct
    { fn: ['Watkins', 'Thomas John'], sn: ['John', 'Watkins'] }, // swapped, and the middle name used
    { fn: ['Okafor', 'David'], sn: ['David Paul', 'Okafor'] }, // swapped, forename and middle name given
  ]);
  assert.equal(got.map((g) => [g.swapped, g.g_fn, g.g_sn]), [[true, 6, 6], [true, 6, 6], [true, 3, 6], [false, 6, 6], [false, 6, 6], [true, 6, 5], [true, 6, 5]]);
  // an exact name read crosswise is not term-frequency adjusted (the frequency is of the other field)
  assert.is(got[0]!.fn_exact, null);
  assert.is(got[3]!.fn_exact, 'DAVID');
});

test('term frequencies: a common name agreeing counts for less than a rare one', async () => {
  const db = await Duck.open({ threads: 1 });
  try {
    await db.run(`CREATE TABLE cohort_in AS SELECT 2 AS row, 'Smith' AS surname, 'John' AS forename, DATE '1980-01-01' AS dob, NULL::VARCHAR AS gender,
      NULL::VARCHAR AS pnc_id, NULL::VARCHAR AS prison_number, NULL::DATE AS index_date, NULL::DATE AS conviction_date,
      NULL::DATE AS intervention_start_date, NULL::DATE AS intervention_end_date, NULL::VARCHAR AS sentence_type`);
    await db.run(`CREATE TABLE people_in AS SELECT i::BIGINT AS rid, i::BIGINT AS register_id, CASE WHEN i <= 50 THEN 'Smith' ELSE 'Q' || chr((65 + i % 26)::INTEGER) || chr((65 + (i // 26) % 26)::INTEGER) || chr((65 + (i // 676) % 26)::INTEGER) END AS surname,
      CASE WHEN i % 10 = 0 THEN 'John' ELSE 'F' || chr((65 + i % 26)::INTEGER) || chr((65 + (i // 26) % 26)::INTEGER) || chr((65 + (i // 676) % 26)::INTEGER) END AS forename, DATE '1970-01-01' + i::INTEGER AS dob, NULL::VARCHAR AS gender, NULL::VARCHAR AS pnc_id FROM range(1, 1001) t(i)`);
    await db.run(`CREATE TABLE prison_numbers_in (rid BIGINT, prison_number VARCHAR)`);
    await keyRegister(db, LINKAGE_DIR);
    await db.file(join(LINKAGE_DIR, 'frequencies.sql'));
    // the share of people with each spelling: SMITH 50 of 1,000; every other surname 1 of 1,000;
    // JOHN 100 of 1,000. The exact-agreement weight is log2(m / share): about 4.3 bits less for SMITH
    const tf = (await db.one<{ smith: number; rare: number; john: number }>(
      `SELECT (SELECT tf FROM tf_surname WHERE compact = 'SMITH') AS smith, (SELECT max(tf) FROM tf_surname WHERE compact <> 'SMITH') AS rare,
              (SELECT tf FROM tf_forename WHERE compact = 'JOHN') AS john`,
    ))!;
    assert.equal([tf.smith, tf.rare, tf.john], [0.05, 0.001, 0.1]);
  } finally {
    db.close();
  }
});
test.run();
