// The sentence dates as evidence (event-evidence.sql, evidence.sql), on hand-made pairs through the
// real SQL: levels by kind of agreement, not by a sum of points (the index or conviction date
// itself; dates that fit a sentence; an eligible event only; dates given that fit none of the
// person's sentences; no dates given), and the bits each level weighs: dates that fit a sentence
// weigh less for a person often under sentence (a stranger's dates would often fit too).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duck } from '../../src/duck.ts';
import { EXTRA_EVIDENCE_BITS } from '../../stages/linkage/link.ts';

const DIR = fileURLToPath(new URL('../../stages/linkage/', import.meta.url));

interface Row { index_date?: string; conviction_date?: string; start?: string; type?: string }
/** One register person (rid 1, born 1980-01-01) with two sentences: a 12-month community order from 2018-03-01, custody 2015-01-10 to 2016-01-10. */
const EVENTS = `SELECT * FROM (VALUES
  (100, 1, DATE '2018-03-01', 'community', DATE '2018-03-01', DATE '2019-03-01'),
  (101, 1, DATE '2016-01-10', 'custody', DATE '2015-01-10', DATE '2016-01-10')) t(event_id, register_id, index_date, sentence_type, disposal_date, sentence_end)`;

async function levels(rows: Row[], dateNoneBits: number) {
  const db = await Duck.open({ threads: 1 });
  try {
    await db.run(`CREATE TABLE cohort (row INTEGER, index_date DATE, conviction_date DATE, intervention_start_date DATE, sentence_type VARCHAR)`);
    for (const [i, r] of rows.entries()) {
      await db.run(`INSERT INTO cohort VALUES ($row, $i::DATE, $c::DATE, $s::DATE, $t)`,
        { row: i + 2, i: r.index_date ?? null, c: r.conviction_date ?? null, s: r.start ?? null, t: r.type ?? null });
    }
    await db.run(`CREATE TABLE events_in AS ${EVENTS}`);
    await db.run(`CREATE TABLE register AS SELECT 1::BIGINT AS rid, DATE '1980-01-01' AS dob`);
    // every row a plausible pair with person 1, 20 bits of personal evidence, no identifiers
    await db.run(`CREATE TABLE plausible AS SELECT row, 1::BIGINT AS rid, 20.0::DOUBLE AS personal_weight, false AS pnc_near, false AS pnc_conflict,
      false AS pn_conflict, false AS pnc_exact, false AS pn_exact, 1 AS g_gender, false AS gender_guess_conflict FROM cohort`);
    await db.run('CREATE TABLE candidates AS SELECT row, rid FROM plausible');
    await db.file(join(DIR, 'event-evidence.sql'), {});
    const b = EXTRA_EVIDENCE_BITS;
    await db.file(join(DIR, 'evidence.sql'), {
      pnc_near_bits: b.pnc_near, pnc_conflict_bits: b.pnc_conflict, pn_conflict_bits: b.pn_conflict,
      date_bits: b.date, date_bits_strong: b.date_strong, date_none_bits: dateNoneBits,
    });
    return await db.all<{ row: number; date_level: number | null; bits: number; cover: number | null }>(
      `SELECT s.row, s.date_level, (e.evidence_weight - e.personal_weight)::DOUBLE AS bits, s.sentence_cover::DOUBLE AS cover
       FROM pair_date_support s JOIN pair_evidence e ON e.row = s.row AND e.rid = s.register_id ORDER BY s.row`,
    );
  } finally {
    db.close();
  }
}

const ROWS: Row[] = [
  { conviction_date: '2018-03-01', start: '2018-04-01' }, // 2: the conviction date itself
  { index_date: '2016-01-10', start: '2017-06-01' }, // 3: the index date itself (release)
  { start: '2018-04-01', type: 'community' }, // 4: an intervention during the order, same type
  // 5: conviction a few days out and an intervention during the order: 6 points, but no date
  // agrees exactly (the old sum of points called this as strong as an exact date)
  { conviction_date: '2018-03-05', start: '2018-04-01' },
  { start: '2016-06-01' }, // 6: within a year after release: eligible, no more
  { start: '2012-01-01', type: 'custody' }, // 7: fits no sentence
  {}, // 8: no dates given
];

test('date levels: exact date 3, fits a sentence 2, eligible 1, fits none 0, no dates NULL', async () => {
  const got = await levels(ROWS, EXTRA_EVIDENCE_BITS.date_none);
  assert.equal(got.map((r) => r.date_level), [3, 3, 2, 2, 1, 0, null]);
});

test('their bits: +strong, log2(1 / share of time under sentence) up to +date, 0, minus date_none, nothing without dates', async () => {
  const b = EXTRA_EVIDENCE_BITS;
  assert.ok(b.date_none > 0 && b.date < b.date_strong);
  const got = await levels(ROWS, b.date_none);
  // rows 4 and 5: of his adult life to date (from 1998-01-01, 18, to 2019-03-01, the end of his
  // last order, after the row's date) he spent 732 days under sentence
  const days = (Date.UTC(2019, 2, 1) - Date.UTC(1998, 0, 1)) / 86400000 + 1;
  assert.ok(Math.abs(got[2]!.cover! - 732 / days) < 1e-12, `cover ${got[2]!.cover}`);
  const fit = Math.min(b.date, Math.log2(days / 732));
  assert.ok(fit > 3 && fit < b.date, `fit ${fit}`);
  const bits = got.map((r) => Math.round(r.bits * 1e9) / 1e9);
  assert.equal(bits, [b.date_strong, b.date_strong, fit, fit, 0, -b.date_none, 0].map((x) => Math.round(x * 1e9) / 1e9));
  // the link tool has no events: link.ts passes no penalty, and dates a cohort file carries weigh nothing
  const tool = await levels(ROWS, 0);
  assert.is(tool[5]!.bits, 0);
});

test.run();
