// The demo-style request: files in the upload format, and every injected error at its configured
// rate. Rates are checked against the truth file, and the truth file itself is checked against the
// register: a row said to have no error must match its register person exactly.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Duck } from '../../src/duck.ts';
import { isValidPnc, NICKNAMES } from '../../synth/index.ts';
import { num, openWorld, sharedWorld, TEST_PROGRAMME, TEST_RATES } from './helpers.ts';

let dataDir = '';
let db: Duck;

interface Row {
  row: number;
  register_id: string | null;
  duplicate_of: string | null;
  errors: string | null;
  surname: string;
  forename: string;
  dob: string;
  pnc_id: string | null;
  r_surname: string | null;
  r_forename: string | null;
  r_dob: string | null;
  r_pnc: string | null;
  start: string | null;
  conviction: string | null;
  disposal_date: string | null;
  release_date: string | null;
  disposal_type: string | null;
}
let rows: Row[] = [];

test.before(async () => {
  dataDir = await sharedWorld(7);
  db = await openWorld(dataDir);
  rows = await db.json<Row>(`
    SELECT c.row, t.register_id, t.duplicate_of, t.errors, c.surname, c.forename, c.dob, c.pnc_id,
      p.surname AS r_surname, p.forename AS r_forename, strftime(p.dob, '%d/%m/%Y') AS r_dob, p.pnc_id AS r_pnc,
      c.intervention_start_date AS start, c.conviction_date AS conviction,
      strftime(d.disposal_date, '%d/%m/%Y') AS disposal_date, strftime(d.release_date, '%d/%m/%Y') AS release_date, d.disposal_type
    FROM cohort c
    JOIN truth t ON CAST(t.row AS INTEGER) = c.row
    LEFT JOIN people p ON p.register_id = CAST(t.register_id AS BIGINT)
    LEFT JOIN disposals d ON d.disposal_id = CAST(t.disposal_id AS BIGINT)
    ORDER BY c.row`);
});
test.after(() => db.close());

const kinds = (r: Row) => new Set((r.errors ?? '').split(';').filter(Boolean));
const dmy = (s: string) => s.split('/').map(Number) as [number, number, number];

test('cohort.csv has the upload header and one truth row per cohort row', async () => {
  const header = readFileSync(join(dataDir, 'requests', 't1', 'cohort.csv'), 'utf8').split('\n', 1)[0];
  assert.is(header, 'reference,surname,forename,dob,gender,pnc_id,prison_number,index_date,conviction_date,intervention_start_date,intervention_end_date,sentence_type,notes');
  const counts = await db.one<{ c: bigint; t: bigint }>('SELECT (SELECT count(*) FROM cohort) AS c, (SELECT count(*) FROM truth) AS t');
  assert.is(num(counts!.c), num(counts!.t));
  assert.equal(rows.map((r) => r.row), rows.map((_, i) => i + 2), 'rows numbered from 2 (row 1 is the header)');
  const request = JSON.parse(readFileSync(join(dataDir, 'requests', 't1', 'request.json'), 'utf8'));
  assert.equal(Object.keys(request).sort(), ['analysis_period', 'contact', 'data_protection_assurance', 'dates', 'id', 'organisation', 'programme', 'retention', 'review_period_days', 'transfer_channel']);
  assert.is(request.id, 't1');
  assert.equal(request.analysis_period, TEST_PROGRAMME.period);
});

test('rows without errors are their register person exactly', () => {
  const clean = rows.filter((r) => r.register_id && kinds(r).size === 0);
  assert.ok(clean.length > 50);
  for (const r of clean) {
    assert.is(r.surname.toLowerCase(), r.r_surname!.toLowerCase(), `row ${r.row} surname`);
    assert.is(r.forename, r.r_forename, `row ${r.row} forename`);
    assert.is(r.dob, r.r_dob, `row ${r.row} dob`);
    assert.is(r.pnc_id, r.r_pnc, `row ${r.row} pnc`);
  }
});

test('each error kind really is in the row it is recorded for', () => {
  const nick = new Set(NICKNAMES.map((n) => `${n.nickname}/${n.formal}`));
  for (const r of rows) {
    const k = kinds(r);
    if (k.has('not_in_register')) {
      assert.is(r.register_id, null, `row ${r.row}`);
      continue;
    }
    if (k.has('swapped_day_month')) {
      const [d, m, y] = dmy(r.r_dob!);
      assert.equal(dmy(r.dob), [m, d, y], `row ${r.row} swapped dob`);
    }
    if (k.has('missing_pnc')) assert.is(r.pnc_id, null, `row ${r.row} missing pnc`);
    if (k.has('transposed_digits')) {
      assert.is.not(r.pnc_id, r.r_pnc, `row ${r.row}`);
      assert.is([...r.pnc_id!].sort().join(''), [...r.r_pnc!].sort().join(''), `row ${r.row}: same characters, two swapped`);
      assert.not.ok(isValidPnc(r.pnc_id!), `row ${r.row}: the check letter no longer fits`);
    }
    // (a nickname stands for the first forename; with the names in the wrong order it is in the surname column)
    if (k.has('nickname') && !k.has('typo')) {
      const given = k.has('name_order') ? r.surname : r.forename;
      assert.ok(nick.has(`${given}/${r.r_forename!.split(' ')[0]}`), `row ${r.row} nickname: ${given} for ${r.r_forename} (${r.errors})`);
    }
    if (k.has('typo')) {
      const sameSurname = r.surname.toLowerCase() === r.r_surname!.toLowerCase();
      const sameForename = r.forename === r.r_forename || nick.has(`${r.forename}/${r.r_forename}`);
      assert.ok(!sameSurname || !sameForename, `row ${r.row} typo changes a name`);
    }
    if (k.has('duplicate')) assert.ok(r.duplicate_of !== null && Number(r.duplicate_of) < r.row, `row ${r.row} duplicates an earlier row`);
  }
});

/**
 * The observed count of an error among `eligible` rows is binomial(n, rate); accept it within four
 * standard deviations (a false alarm about once in 16,000 runs).
 */
function assertRate(kind: string, eligible: Row[], rate: number) {
  const n = eligible.length;
  const hits = eligible.filter((r) => kinds(r).has(kind)).length;
  const sd = Math.sqrt(n * rate * (1 - rate));
  assert.ok(n >= 100, `${kind}: ${n} eligible rows`);
  assert.ok(Math.abs(hits - n * rate) <= 4 * sd, `${kind}: ${hits} of ${n} rows, expected ${(n * rate).toFixed(1)} +- ${(4 * sd).toFixed(1)}`);
}

test('each injected error appears at its configured rate', () => {
  // people's rows, each once (a duplicate copy repeats its original's errors)
  const people = rows.filter((r) => r.register_id && r.duplicate_of === null);
  assert.is(people.length, TEST_PROGRAMME.cohort);
  const formal = new Set(NICKNAMES.map((n) => n.formal));
  assertRate('typo', people, TEST_RATES.typo);
  assertRate('nickname', people.filter((r) => formal.has(r.r_forename!)), TEST_RATES.nickname);
  assertRate('swapped_day_month', people.filter((r) => { const [d, m] = dmy(r.r_dob!); return d <= 12 && d !== m; }), TEST_RATES.swappedDayMonth);
  assertRate('missing_pnc', people.filter((r) => r.r_pnc !== null), TEST_RATES.missingPnc);
  assertRate('transposed_digits', people.filter((r) => r.r_pnc !== null && !kinds(r).has('missing_pnc')), TEST_RATES.transposedDigits);
  assertRate('wrong_intervention_date', people, TEST_RATES.wrongInterventionDate);
  // extra rows are counts, not draws: exactly the rounded rate
  assert.is(rows.filter((r) => kinds(r).has('not_in_register')).length, Math.round(TEST_RATES.notInRegister * TEST_PROGRAMME.cohort));
  assert.is(rows.filter((r) => kinds(r).has('duplicate')).length, Math.round(TEST_RATES.duplicate * TEST_PROGRAMME.cohort));
});

test('intervention dates belong to the sentence unless recorded as wrong', () => {
  const toDays = (s: string) => { const [d, m, y] = dmy(s); return Date.UTC(y, m - 1, d) / 86_400_000; };
  for (const r of rows.filter((x) => x.register_id && x.start)) {
    const start = toDays(r.start!);
    const from = toDays(r.disposal_date!);
    const to = toDays(r.release_date ?? r.disposal_date!) + 90;
    const inside = start >= from && start <= to;
    assert.is(inside, !kinds(r).has('wrong_intervention_date'), `row ${r.row}`);
  }
});

test.run();
